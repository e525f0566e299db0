import type { ResourceLimits } from 'node:worker_threads';
import { type OptionSpec, type Sourced, validateOptions } from '@futures/core/transport';

/** Options of the shm transport (`shm(options)`, or FUTURES_<OPTION> / futures.config.json by name). */
export interface ShmOptions {
  /**
   * Bytes of each ring buffer; every worker has two (one each way). Rounded up to a power of
   * two. Frames larger than a ring still pass (they stream through it in pieces).
   * @default 1048576 (1 MiB)
   */
  ringBytes?: number;
  /**
   * Out-of-band buffers (typed arrays, ArrayBuffers) of at least this many bytes in a
   * task's *result* skip the ring: the worker copies each once into new memory and moves
   * that to the controller (a MessagePort transfer, picked up synchronously), so the
   * controller copies nothing. Smaller results, and all arguments, are copied through the
   * ring (the controller's copy goes into the ring's warm memory; the worker copies out).
   * Either way the fresh memory a copy needs is written by a worker thread, not by the
   * controller that all workers share.
   * @default 262144 (256 KiB)
   */
  largeResultBytes?: number;
  /** V8 heap limits of each worker thread (`new Worker(..., { resourceLimits })`). @default none (Node's defaults) */
  resourceLimits?: ResourceLimits;
  /** Milliseconds shutdown waits for workers to exit on their own before terminating them. @default 10000 */
  stopTimeout?: number;
  /**
   * How workers load TypeScript task modules (`.ts`, `.mts`, `.cts`, `.tsx`): `"auto"` registers
   * the tsx loader in a worker the first time it imports such a module (JavaScript-only pools
   * pay nothing); `"always"` registers it when each worker starts; `"off"` never does (run
   * Node with your own loader then).
   * @default "auto"
   */
  typescript?: 'auto' | 'always' | 'off';
}

/** Fully resolved options. */
export interface ResolvedShmOptions {
  ringBytes: number;
  largeResultBytes: number;
  resourceLimits: ResourceLimits | undefined;
  stopTimeout: number;
  typescript: 'auto' | 'always' | 'off';
}

export const DEFAULT_RING_BYTES = 1 << 20;
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
export const DEFAULT_LARGE_RESULT_BYTES = 256 * 1024;
const MIN_RING_BYTES = 4096;
const MAX_RING_BYTES = 1 << 30;

export const SHM_OPTION_SPECS = {
  ringBytes: {
    type: 'integer',
    min: MIN_RING_BYTES,
    max: MAX_RING_BYTES,
    description: 'bytes of each of the two ring buffers per worker (rounded up to a power of two)',
  },
  largeResultBytes: {
    type: 'integer',
    min: 1,
    description:
      'result buffers of at least this many bytes are copied once by the worker and moved, not streamed through the ring',
  },
  resourceLimits: {
    type: 'json',
    description:
      'V8 heap limits per worker thread: { maxOldGenerationSizeMb, maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb }',
  },
  stopTimeout: {
    type: 'integer',
    min: 0,
    description: 'milliseconds shutdown waits for workers before terminating them',
  },
  typescript: {
    type: 'string',
    choices: ['auto', 'always', 'off'],
    description:
      'when workers register the tsx loader for .ts task modules: auto (on first use), always, off',
  },
} as const satisfies Record<string, OptionSpec>;

const LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

function nextPowerOfTwo(n: number): number {
  let p = MIN_RING_BYTES;
  while (p < n) p *= 2;
  return p;
}

/**
 * Validates options given in code (`source` names where they came from in messages) or
 * already validated by core's loader; throws TypeError/RangeError naming the option.
 */
export function resolveShmOptions(options: unknown, source = 'shm() option'): ResolvedShmOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`futures shm: options must be an object, got ${typeof options}`);
  }
  const sourced: Record<string, Sourced> = {};
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (value !== undefined) sourced[name] = { value, source: `${source} "${name}"` };
  }
  const v = validateOptions(sourced, SHM_OPTION_SPECS, 'transport "shm"') as ShmOptions;
  let resourceLimits: ResourceLimits | undefined;
  if (v.resourceLimits !== undefined) {
    const rl = v.resourceLimits as unknown;
    if (typeof rl !== 'object' || rl === null || Array.isArray(rl)) {
      throw new TypeError(
        `futures shm: option "resourceLimits" must be an object such as { "maxOldGenerationSizeMb": 64 }`,
      );
    }
    for (const [k, x] of Object.entries(rl)) {
      if (!(LIMIT_KEYS as readonly string[]).includes(k)) {
        throw new TypeError(
          `futures shm: option "resourceLimits" has unknown key "${k}"; known: ${LIMIT_KEYS.join(', ')}`,
        );
      }
      if (typeof x !== 'number' || !(x > 0)) {
        throw new RangeError(
          `futures shm: option "resourceLimits.${k}" must be a positive number of MB, got ${String(x)}`,
        );
      }
    }
    resourceLimits = { ...(rl as ResourceLimits) };
  }
  return {
    ringBytes: nextPowerOfTwo(v.ringBytes ?? DEFAULT_RING_BYTES),
    largeResultBytes: v.largeResultBytes ?? DEFAULT_LARGE_RESULT_BYTES,
    resourceLimits,
    stopTimeout: v.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS,
    typescript: v.typescript ?? 'auto',
  };
}
