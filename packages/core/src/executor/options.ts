import type { DashboardOptions } from '../config/dashboard-option.js';
import type { TaskLike } from '../task.js';
import type { TransportFactory } from '../transport/contract.js';
import type { MpiOptions, ShmOptions, ZmqOptions } from './transport-options.js';

/**
 * Options every executor takes, whatever its transport. Each may also come from the
 * environment (`FUTURES_<OPTION>`, e.g. FUTURES_MAX_WORKERS) or a futures.config.json, except
 * those marked code-only.
 */
export interface ExecutorCoreOptions {
  /** Number of workers. @default FUTURES_MAX_WORKERS, the config file, else os.availableParallelism() */
  maxWorkers?: number;
  /** Runs once in each worker before its first task; a failure breaks the executor. Code-only. */
  initializer?: TaskLike;
  /** Arguments for the initializer. Code-only. @default [] */
  initargs?: unknown[];
  /** Extra environment variables set in each worker. @default none */
  env?: Record<string, string>;
  /** Working directory of the workers (thread transports: base for relative task paths only). @default the process's */
  cwd?: string;
  /**
   * Node flags for worker threads/processes.
   * @default this process's own flags for threads and local zmq workers (none for MPI ranks), without those that
   * say how the program was started (`-e`/`--eval`, `-p`, `--input-type`, `futures run -c`) and, for
   * processes, the inspector's
   */
  execArgv?: string[];
  /** Aborting it shuts the executor down and cancels queued futures. Code-only. */
  signal?: AbortSignal;
  /** How often a task is resubmitted after its worker is lost, before it fails with WorkerLostError. @default 0 */
  retries?: number;
  /** Tasks one worker may hold at once (running plus queued at it); more gives throughput, fewer balance. @default 64 */
  maxInFlight?: number;
  /**
   * Escalation: a task that ignores its abort (or deadline) for this many ms has its worker
   * replaced (threads terminated, processes killed; MPI cannot: the task runs on and its
   * result is discarded). @default undefined (never escalate)
   */
  abortGraceMs?: number;
  /**
   * Largest encoded arguments, or result, of one task in bytes (also of one frame). A task over
   * it fails alone with MessageTooLargeError; its worker runs on. The transport's own ceiling
   * applies when lower (zmq: FUTURES_ZMQ_MAX_MESSAGE_BYTES or `zmq({ maxMessageBytes })`).
   * @default 4294967296 (4 GiB; Node's Buffer limit where lower)
   */
  maxMessageBytes?: number;
  /**
   * Serves a live dashboard of this executor in the browser (needs the @futures/dashboard
   * package): `true` for a free port on 127.0.0.1, or `{ port, host, token }`. The URL is
   * printed to stderr. Also FUTURES_DASHBOARD=1|PORT or "dashboard" in futures.config.json.
   * @default false (off: nothing is loaded and the executor pays nothing)
   */
  dashboard?: boolean | DashboardOptions;
}

/**
 * The shm transport (the default): worker threads and shared-memory rings. Its options may
 * also come from FUTURES_SHM_<OPTION> or the config file.
 */
export interface ShmExecutorOptions extends ExecutorCoreOptions, ShmOptions {
  /** @default "shm" (FUTURES_TRANSPORT or the config file may choose another) */
  transport?: 'shm';
}

/** The zmq transport: worker processes on many machines. Options also from FUTURES_ZMQ_<OPTION>. */
export interface ZmqExecutorOptions extends ExecutorCoreOptions, ZmqOptions {
  transport: 'zmq';
}

/** The mpi transport: the ranks of an MPI job. Options also from FUTURES_MPI_<OPTION>. */
export interface MpiExecutorOptions extends ExecutorCoreOptions, MpiOptions {
  transport: 'mpi';
}

/** A transport factory from a transport package, e.g. `shm({ ringBytes })`: its options go to the factory. */
export interface FactoryExecutorOptions extends ExecutorCoreOptions {
  transport: TransportFactory;
}

/**
 * Another transport by name (one mapped under "transports" in futures.config.json, or a name
 * held in a variable): its own options come from FUTURES_<TRANSPORT>_<OPTION> or the config
 * file, or pass its factory instead.
 */
export interface NamedExecutorOptions extends ExecutorCoreOptions {
  // `string & {}` keeps the literal names above as the discriminant of the union
  transport: string & {};
}

/**
 * Options of a PoolExecutor: the core options plus those of the transport named by a literal
 * `transport`, checked at compile time (`{ transport: 'shm', ringBytes }` compiles,
 * `{ transport: 'shm', backoff }` does not). Without `transport`, the shm options apply.
 */
export type PoolExecutorOptions =
  | ShmExecutorOptions
  | ZmqExecutorOptions
  | MpiExecutorOptions
  | FactoryExecutorOptions
  | NamedExecutorOptions;

export interface ShutdownOptions {
  /** Resolve only once every pending future has settled and the workers have exited. @default true */
  wait?: boolean;
  /** Cancel the futures still queued (running ones finish). @default false */
  cancelFutures?: boolean;
}

export interface MapOptions {
  /** Milliseconds from the call for all results; then TimeoutError and the rest is cancelled. @default Infinity */
  timeout?: number;
  /** Items per task: larger chunks cut per-task overhead for tiny tasks. @default 1 */
  chunksize?: number;
  /** Yield results as they complete instead of in input order. @default false */
  unordered?: boolean;
  /** At most this many chunks submitted and not yet consumed (for huge or endless iterables). @default unbounded */
  buffersize?: number;
  /** Aborts the whole map: queued tasks are cancelled, running ones aborted. */
  signal?: AbortSignal;
  /** Deadline of each task in ms, counted from when it starts running (TimeoutError). @default none */
  taskTimeout?: number;
  /** Resubmissions of each task after its worker is lost. @default the executor's `retries` */
  retries?: number;
}
