import { constants as bufferConstants } from 'node:buffer';
import type { ZmqOptions } from '@futures/core';
import {
  type OptionSpec,
  optionRangeError,
  optionTypeError,
  resolveOptions,
  transportEnvNameOf,
} from '@futures/core/transport';

export type { ZmqOptions };

export interface ResolvedZmqOptions {
  bind: string;
  localWorkers: number | null;
  localIpc: boolean;
  waitWorkers: number | null;
  key: string | null;
  keyFile: string | null;
  curve: boolean;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  stopTimeout: number;
  maxMessageBytes: number;
}

export const MAX_MESSAGE_BYTES_DEFAULT = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

export const ZMQ_OPTION_SPECS = {
  bind: {
    type: 'string',
    nonEmpty: true,
    default: 'tcp://127.0.0.1:0',
    legacyEnv: 'FUTURES_BIND',
    description: 'address the controller listens on, e.g. tcp://0.0.0.0:5555',
  },
  localWorkers: {
    type: 'integer',
    min: 0,
    legacyEnv: 'FUTURES_LOCAL_WORKERS',
    description: 'worker processes started on this machine (0 = remote workers only; default maxWorkers)',
  },
  localIpc: {
    type: 'boolean',
    default: true,
    legacyEnv: 'FUTURES_LOCAL_IPC',
    description: 'local workers connect over a private Unix socket',
  },
  waitWorkers: {
    type: 'integer',
    min: 0,
    legacyEnv: 'FUTURES_WAIT_WORKERS',
    description: 'workers bootup() waits for (default localWorkers, or 1)',
  },
  key: {
    type: 'string',
    nonEmpty: true,
    legacyEnv: 'FUTURES_KEY',
    description: 'the cluster key from `futures keygen`',
  },
  keyFile: {
    type: 'string',
    nonEmpty: true,
    legacyEnv: 'FUTURES_KEY_FILE',
    description: 'file holding the cluster key (`futures keygen -o FILE`)',
  },
  curve: {
    type: 'boolean',
    default: true,
    legacyEnv: 'FUTURES_CURVE',
    description: 'CURVE authentication and encryption (false: loopback only)',
  },
  heartbeatInterval: {
    type: 'integer',
    min: 10,
    default: 1000,
    legacyEnv: 'FUTURES_HEARTBEAT_INTERVAL',
    description: 'milliseconds between heartbeats',
  },
  heartbeatTimeout: {
    type: 'integer',
    min: 20,
    default: 4000,
    // mpi used FUTURES_HEARTBEAT_TIMEOUT too, with another meaning and default
    retiredEnv: 'FUTURES_HEARTBEAT_TIMEOUT',
    description: 'milliseconds of silence before a peer is dropped',
  },
  stopTimeout: {
    type: 'integer',
    min: 0,
    default: 10_000,
    legacyEnv: 'FUTURES_STOP_TIMEOUT',
    description: 'milliseconds shutdown waits for workers to leave',
  },
  maxMessageBytes: {
    type: 'integer',
    min: 1024,
    default: MAX_MESSAGE_BYTES_DEFAULT,
    // FUTURES_MAX_MESSAGE_BYTES is now core's maxMessageBytes, which this transport follows too
    description: "largest message accepted from a peer (bytes); the executor's maxMessageBytes when lower",
  },
} as const satisfies { [K in keyof ZmqOptions]-?: OptionSpec };

/**
 * Validates options given in code or already validated by core's loader; throws a
 * TypeError/RangeError (code ERR_FUTURES_INVALID_OPTION) naming the option.
 */
export function resolveZmqOptions(options: ZmqOptions = {}): ResolvedZmqOptions {
  const o = resolveOptions<ZmqOptions & ResolvedDefaults>(options, ZMQ_OPTION_SPECS, 'zmq()');
  const resolved: ResolvedZmqOptions = {
    ...o,
    localWorkers: o.localWorkers ?? null,
    waitWorkers: o.waitWorkers ?? null,
    key: o.key ?? null,
    keyFile: o.keyFile ?? null,
  };
  if (resolved.heartbeatTimeout <= resolved.heartbeatInterval) {
    throw optionRangeError(
      `futures: heartbeatTimeout of zmq() (${resolved.heartbeatTimeout}) must be larger than heartbeatInterval ` +
        `(${resolved.heartbeatInterval}). Fix: a few intervals is usual, e.g. 4 × heartbeatInterval.`,
    );
  }
  if (!resolved.curve && (resolved.key !== null || resolved.keyFile !== null)) {
    throw optionTypeError(
      'futures: curve of zmq() is false but a key was given. Fix: remove the key, or curve: false.',
    );
  }
  parseEndpoint(resolved.bind, 'option "bind"');
  return resolved;
}

/** The options with a default, as resolveOptions returns them. */
type ResolvedDefaults = Required<
  Pick<
    ZmqOptions,
    | 'bind'
    | 'localIpc'
    | 'curve'
    | 'heartbeatInterval'
    | 'heartbeatTimeout'
    | 'stopTimeout'
    | 'maxMessageBytes'
  >
>;

export interface Endpoint {
  protocol: 'tcp' | 'ipc';
  host: string;
  port: string;
}

/** Parses tcp://host:port or ipc://path; throws a TypeError naming `what` otherwise. */
export function parseEndpoint(address: string, what: string): Endpoint {
  if (address.startsWith('ipc://') && address.length > 6) return { protocol: 'ipc', host: '', port: '' };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d+|\*)$/.exec(address);
  if (m === null) {
    throw optionTypeError(
      `futures zmq: ${what} must look like tcp://HOST:PORT or ipc://PATH, got ${JSON.stringify(address)}`,
    );
  }
  return { protocol: 'tcp', host: m[1]!, port: m[2]! };
}

/** True for endpoints only this machine can reach. */
export function isLoopback(address: string): boolean {
  const e = parseEndpoint(address, 'address');
  if (e.protocol === 'ipc') return true;
  const h = e.host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === 'lo' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The address a worker on this machine uses for a bound endpoint (wildcard hosts become loopback). */
export function localAddress(endpoint: string): string {
  const e = parseEndpoint(endpoint, 'the bound address');
  if (e.protocol === 'ipc') return endpoint;
  if (e.host === '0.0.0.0' || e.host === '*') return `tcp://127.0.0.1:${e.port}`;
  if (e.host === '[::]' || e.host === '[::0]') return `tcp://[::1]:${e.port}`;
  return endpoint;
}

const warnedEnv = new Set<string>();

/**
 * A zmq setting read from the environment outside an executor (the `futures worker` command,
 * `futures info`): FUTURES_ZMQ_<NAME>, else the older FUTURES_<NAME> with a one-time
 * DeprecationWarning. Returns the value and the variable it came from, or null.
 */
export function zmqEnv(
  env: Readonly<Record<string, string | undefined>>,
  option: 'connect' | 'keyFile' | 'key',
): { value: string; variable: string } | null {
  const variable = transportEnvNameOf('zmq', option);
  const value = env[variable];
  if (value) return { value, variable };
  const legacy = variable.replace('FUTURES_ZMQ_', 'FUTURES_');
  const old = env[legacy];
  if (!old) return null;
  if (!warnedEnv.has(legacy)) {
    warnedEnv.add(legacy);
    process.emitWarning(`futures: environment variable ${legacy} is deprecated; rename it to ${variable}.`, {
      type: 'DeprecationWarning',
      code: 'FUTURES_DEP_ENV',
    });
  }
  return { value: old, variable: legacy };
}
