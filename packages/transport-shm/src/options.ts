import type { ShmOptions, WorkerResourceLimits } from '@futures/core';
import { type OptionSpec, resolveOptions } from '@futures/core/transport';

export type { ShmOptions };

/** Fully resolved options. */
export interface ResolvedShmOptions {
  ringBytes: number;
  largeResultBytes: number;
  resourceLimits: WorkerResourceLimits | undefined;
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
    default: DEFAULT_RING_BYTES,
    legacyEnv: 'FUTURES_RING_BYTES',
    description: 'bytes of each of the two ring buffers per worker (rounded up to a power of two)',
  },
  largeResultBytes: {
    type: 'integer',
    min: 1,
    default: DEFAULT_LARGE_RESULT_BYTES,
    legacyEnv: 'FUTURES_LARGE_RESULT_BYTES',
    description:
      'result buffers of at least this many bytes are copied once by the worker and moved, not streamed through the ring',
  },
  resourceLimits: {
    type: 'json',
    shape: 'object',
    example: '{ "maxOldGenerationSizeMb": 64 }',
    check: checkResourceLimits,
    legacyEnv: 'FUTURES_RESOURCE_LIMITS',
    description:
      'V8 heap limits per worker thread: { maxOldGenerationSizeMb, maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb }',
  },
  stopTimeout: {
    type: 'integer',
    min: 0,
    default: DEFAULT_STOP_TIMEOUT_MS,
    legacyEnv: 'FUTURES_STOP_TIMEOUT',
    description: 'milliseconds shutdown waits for workers before terminating them',
  },
  typescript: {
    type: 'string',
    choices: ['auto', 'always', 'off'],
    default: 'auto',
    legacyEnv: 'FUTURES_TYPESCRIPT',
    description:
      'when workers register the tsx loader for .ts task modules: auto (on first use), always, off',
  },
} as const satisfies { [K in keyof ShmOptions]-?: OptionSpec };

const LIMIT_KEYS: readonly string[] = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] satisfies (keyof WorkerResourceLimits)[];

function checkResourceLimits(limits: object): string | undefined {
  for (const [k, x] of Object.entries(limits)) {
    if (!LIMIT_KEYS.includes(k)) return `an object with only the keys ${LIMIT_KEYS.join(', ')} (not "${k}")`;
    if (typeof x !== 'number' || !(x > 0))
      return `an object of positive numbers of MB (not ${k}: ${String(x)})`;
  }
  return undefined;
}

function nextPowerOfTwo(n: number): number {
  let p = MIN_RING_BYTES;
  while (p < n) p *= 2;
  return p;
}

/**
 * Validates options given in code or already validated by core's loader; throws a
 * TypeError/RangeError (code ERR_FUTURES_INVALID_OPTION) naming the option.
 */
export function resolveShmOptions(options: unknown): ResolvedShmOptions {
  const v = resolveOptions<Required<ShmOptions>>(options, SHM_OPTION_SPECS, 'shm()');
  return {
    ringBytes: nextPowerOfTwo(v.ringBytes),
    largeResultBytes: v.largeResultBytes,
    resourceLimits: v.resourceLimits === undefined ? undefined : { ...v.resourceLimits },
    stopTimeout: v.stopTimeout,
    typescript: v.typescript,
  };
}
