import { constants as bufferConstants } from 'node:buffer';
import type { OptionSpec } from '@futures/core/transport';

/**
 * Options of the ZeroMQ transport. Each can be given to `zmq({...})`, to `new PoolExecutor({
 * transport: 'zmq', ... })`, as `FUTURES_<OPTION>` in the environment (e.g. FUTURES_KEY_FILE,
 * FUTURES_LOCAL_WORKERS) or in futures.config.json.
 */
export interface ZmqOptions {
  /**
   * Where the controller's ROUTER socket listens. Port 0 (or `*`) picks a free port. Binding
   * anything but loopback (or `ipc://`) requires a key (`key` or `keyFile`).
   * @default "tcp://127.0.0.1:0"
   */
  bind?: string;
  /** Worker processes this program starts on its own machine. 0 = only remote workers. @default maxWorkers */
  localWorkers?: number;
  /**
   * Local workers connect over a Unix socket in a private directory (only this user can enter
   * it, and each must present a token from the controller) instead of TCP with CURVE: several
   * times the bandwidth. `false`: they connect like remote workers. @default true (not on Windows)
   */
  localIpc?: boolean;
  /** How many workers `bootup()` waits for. @default localWorkers, or 1 when localWorkers is 0 */
  waitWorkers?: number;
  /** The shared cluster key (from `futures keygen`). Prefer keyFile: environments leak. @default none */
  key?: string;
  /** A file holding the cluster key (made by `futures keygen -o FILE`). @default none */
  keyFile?: string;
  /**
   * Authenticate and encrypt with CURVE. Without a key, a random one is made for this pool and
   * handed to its local workers only. `false` (no authentication at all) is allowed only on loopback.
   * @default true
   */
  curve?: boolean;
  /** Milliseconds between heartbeats (both directions). @default 1000 */
  heartbeatInterval?: number;
  /**
   * Milliseconds without any traffic from a peer before its connection is dropped: a lost worker is
   * reported within heartbeatTimeout + 2 × heartbeatInterval. @default 4000
   */
  heartbeatTimeout?: number;
  /** Milliseconds shutdown waits for workers to leave before it kills local ones. @default 10000 */
  stopTimeout?: number;
  /** Largest message accepted from a peer, in bytes; larger ones are dropped with a log line. @default 4 GiB */
  maxMessageBytes?: number;
}

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
    description: 'address the controller listens on, e.g. tcp://0.0.0.0:5555 (default tcp://127.0.0.1:0)',
  },
  localWorkers: {
    type: 'integer',
    min: 0,
    description: 'worker processes started on this machine (0 = remote workers only)',
  },
  localIpc: {
    type: 'boolean',
    description: 'local workers connect over a private Unix socket (default true)',
  },
  waitWorkers: { type: 'integer', min: 0, description: 'workers bootup() waits for' },
  key: { type: 'string', description: 'the cluster key from `futures keygen`' },
  keyFile: { type: 'string', description: 'file holding the cluster key (`futures keygen -o FILE`)' },
  curve: { type: 'boolean', description: 'CURVE authentication and encryption (false: loopback only)' },
  heartbeatInterval: { type: 'integer', min: 10, description: 'milliseconds between heartbeats' },
  heartbeatTimeout: {
    type: 'integer',
    min: 20,
    description: 'milliseconds of silence before a peer is dropped',
  },
  stopTimeout: { type: 'integer', min: 0, description: 'milliseconds shutdown waits for workers to leave' },
  maxMessageBytes: { type: 'integer', min: 1024, description: 'largest message accepted from a peer' },
} as const satisfies Record<string, OptionSpec>;

function fail(kind: 'type' | 'range', message: string): never {
  const error = kind === 'type' ? new TypeError(message) : new RangeError(message);
  throw Object.assign(error, { code: 'ERR_FUTURES_INVALID_OPTION' });
}

function int(
  options: Record<string, unknown>,
  name: keyof typeof ZMQ_OPTION_SPECS,
  fallback: number | null,
): number | null {
  const v = options[name];
  if (v === undefined) return fallback;
  const spec = ZMQ_OPTION_SPECS[name] as { min?: number };
  if (typeof v !== 'number' || !Number.isInteger(v))
    fail('type', `futures zmq: option "${name}" must be an integer, got ${String(v)}`);
  if (spec.min !== undefined && v < spec.min)
    fail('range', `futures zmq: option "${name}" must be >= ${spec.min}, got ${v}`);
  return v;
}

function str(options: Record<string, unknown>, name: 'bind' | 'key' | 'keyFile'): string | null {
  const v = options[name];
  if (v === undefined) return null;
  if (typeof v !== 'string' || v === '')
    fail('type', `futures zmq: option "${name}" must be a non-empty string, got ${String(v)}`);
  return v;
}

/** Validates options given in code (the core validates env/config values against ZMQ_OPTION_SPECS first). */
export function resolveZmqOptions(options: Readonly<Record<string, unknown>> = {}): ResolvedZmqOptions {
  if (typeof options !== 'object' || options === null) fail('type', 'futures zmq: options must be an object');
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!(name in ZMQ_OPTION_SPECS) && o[name] !== undefined) {
      fail(
        'type',
        `futures zmq: unknown option "${name}"; its options are: ${Object.keys(ZMQ_OPTION_SPECS).join(', ')}`,
      );
    }
  }
  if (o.curve !== undefined && typeof o.curve !== 'boolean')
    fail('type', `futures zmq: option "curve" must be a boolean`);
  const resolved: ResolvedZmqOptions = {
    bind: str(o, 'bind') ?? 'tcp://127.0.0.1:0',
    localWorkers: int(o, 'localWorkers', null),
    localIpc: (o.localIpc as boolean | undefined) ?? true,
    waitWorkers: int(o, 'waitWorkers', null),
    key: str(o, 'key'),
    keyFile: str(o, 'keyFile'),
    curve: (o.curve as boolean | undefined) ?? true,
    heartbeatInterval: int(o, 'heartbeatInterval', 1000)!,
    heartbeatTimeout: int(o, 'heartbeatTimeout', 4000)!,
    stopTimeout: int(o, 'stopTimeout', 10_000)!,
    maxMessageBytes: int(o, 'maxMessageBytes', MAX_MESSAGE_BYTES_DEFAULT)!,
  };
  if (resolved.heartbeatTimeout <= resolved.heartbeatInterval) {
    fail(
      'range',
      `futures zmq: option "heartbeatTimeout" (${resolved.heartbeatTimeout}) must be larger than "heartbeatInterval" ` +
        `(${resolved.heartbeatInterval}); a few intervals is usual`,
    );
  }
  if (!resolved.curve && (resolved.key !== null || resolved.keyFile !== null)) {
    fail('type', 'futures zmq: option "curve" is false but a key was given; remove one of them');
  }
  parseEndpoint(resolved.bind, 'option "bind"');
  return resolved;
}

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
    fail(
      'type',
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
