import { loadSecret } from './keys.js';
import { MAX_MESSAGE_BYTES_DEFAULT, parseEndpoint, ZMQ_OPTION_SPECS, zmqEnv } from './options.js';

export const WORKER_USAGE = `Usage: futures worker --connect tcp://HOST:PORT [options]

Joins a running pool (a PoolExecutor with transport "zmq") as one or more workers.

Options:
  --connect ADDR            the controller's address (or FUTURES_ZMQ_CONNECT)
  --key-file FILE           the cluster key file from \`futures keygen -o FILE\` (or FUTURES_ZMQ_KEY_FILE)
  --key KEY                 the cluster key itself (or FUTURES_ZMQ_KEY); prefer --key-file
  --no-curve                no authentication: only for a loopback controller with curve: false
  -n, --workers N           worker processes to start on this machine (default 1)
  --reconnect               when the controller goes away, wait for the next one instead of exiting
  --join-timeout SECONDS    exit with code 2 when no controller accepts the worker in time (default: wait)
  --heartbeat-interval MS   heartbeat period (default 1000)
  --heartbeat-timeout MS    silence after which the controller counts as gone (default 4000)
  --max-message-bytes N     largest message accepted (default 4 GiB)
  -q, --quiet               no status lines
  -h, --help                this help

Exit codes: 0 released by the controller, 1 bad arguments, 2 join timeout,
3 controller lost, 4 refused by the controller, 5 authentication failed (key).
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_FUTURES_USAGE';
}

export interface WorkerArgs {
  help: boolean;
  connect: string;
  /** The key text for child processes, or null without CURVE. */
  keyText: string | null;
  secret: Uint8Array | null;
  workers: number;
  reconnect: boolean;
  joinTimeout: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  maxMessageBytes: number;
  quiet: boolean;
  /** Internal (processes a controller or supervisor starts): the key arrives on this fd, which is also the lifeline. */
  lifeline: number | null;
  /** Internal: the pid of the process that started this one; the worker ends when it is gone. */
  parent: number | null;
  token: string | undefined;
  runtimeUrl: string | undefined;
}

function intArg(name: string, value: string | undefined, min: number): number {
  const n = value === undefined ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`futures worker: ${name} needs an integer >= ${min}, got ${value ?? 'nothing'}`);
  return n;
}

/** Parses `futures worker` arguments (and the internal ones of spawned worker processes). */
export function parseWorkerArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): WorkerArgs {
  const a: WorkerArgs = {
    help: false,
    connect: zmqEnv(env, 'connect')?.value ?? '',
    keyText: null,
    secret: null,
    workers: 1,
    reconnect: false,
    joinTimeout: 0,
    heartbeatInterval: ZMQ_OPTION_SPECS.heartbeatInterval.default,
    heartbeatTimeout: ZMQ_OPTION_SPECS.heartbeatTimeout.default,
    maxMessageBytes: MAX_MESSAGE_BYTES_DEFAULT,
    quiet: false,
    lifeline: null,
    parent: null,
    token: undefined,
    runtimeUrl: undefined,
  };
  let keyFile: string | null = null;
  let key: string | null = null;
  let curve = true;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`futures worker: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--connect':
        a.connect = value();
        break;
      case '--key-file':
        keyFile = value();
        break;
      case '--key':
        key = value();
        break;
      case '--no-curve':
        curve = false;
        break;
      case '-n':
      case '--workers':
        a.workers = intArg(flag, value(), 1);
        break;
      case '--reconnect':
        a.reconnect = true;
        break;
      case '--join-timeout':
        a.joinTimeout = intArg(flag, value(), 0) * 1000;
        break;
      case '--heartbeat-interval':
        a.heartbeatInterval = intArg(flag, value(), 10);
        break;
      case '--heartbeat-timeout':
        a.heartbeatTimeout = intArg(flag, value(), 20);
        break;
      case '--max-message-bytes':
        a.maxMessageBytes = intArg(flag, value(), 1024);
        break;
      case '-q':
      case '--quiet':
        a.quiet = true;
        break;
      case '--lifeline':
        a.lifeline = intArg(flag, value(), 0);
        break;
      case '--parent':
        a.parent = intArg(flag, value(), 1);
        break;
      case '--token':
        a.token = value();
        break;
      case '--runtime':
        a.runtimeUrl = value();
        break;
      default:
        throw new UsageError(`futures worker: unknown argument ${JSON.stringify(raw)} (see --help)`);
    }
  }
  if (a.help) return a;
  if (a.connect === '')
    throw new UsageError('futures worker: --connect tcp://HOST:PORT is required (see --help)');
  parseEndpoint(a.connect, '--connect');
  if (a.heartbeatTimeout <= a.heartbeatInterval) {
    throw new UsageError('futures worker: --heartbeat-timeout must be larger than --heartbeat-interval');
  }
  if (a.lifeline !== null) return a; // the key comes over the lifeline
  if (!curve) {
    if (key !== null || keyFile !== null)
      throw new UsageError('futures worker: --no-curve and a key exclude each other');
    return a;
  }
  if (key === null && keyFile === null) {
    keyFile = zmqEnv(env, 'keyFile')?.value ?? null;
    key = keyFile === null ? (zmqEnv(env, 'key')?.value ?? null) : null;
  }
  if (key === null && keyFile === null) {
    throw new UsageError(
      'futures worker: a cluster key is needed: --key-file FILE (made by `futures keygen -o FILE`, the same file the ' +
        'controller uses) or FUTURES_ZMQ_KEY_FILE; --no-curve only for a loopback controller with curve: false',
    );
  }
  a.secret = loadSecret(key, keyFile, key !== null ? '--key' : '--key-file');
  a.keyText = null;
  return a;
}
