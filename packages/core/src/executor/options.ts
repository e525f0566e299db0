import type { TaskLike } from '../task.js';
import type { TransportFactory } from '../transport/contract.js';

/**
 * Options of a PoolExecutor. Each may also come from the environment (`FUTURES_<OPTION>`,
 * e.g. FUTURES_MAX_WORKERS) or a futures.config.json, except those marked code-only.
 * Transport packages add their own options to this interface (declaration merging).
 */
export interface PoolExecutorOptions {
  /** Number of workers. @default FUTURES_MAX_WORKERS, the config file, else os.availableParallelism() */
  maxWorkers?: number;
  /** A transport name (loads `@futures/transport-<name>`) or a factory such as `shm()`. @default "shm" */
  transport?: string | TransportFactory;
  /** Runs once in each worker before its first task; a failure breaks the executor. Code-only. */
  initializer?: TaskLike;
  /** Arguments for the initializer. Code-only. @default [] */
  initargs?: unknown[];
  /** Extra environment variables set in each worker. @default none */
  env?: Record<string, string>;
  /** Working directory of the workers (thread transports: base for relative task paths only). @default the process's */
  cwd?: string;
  /** Node flags for worker threads/processes. @default none */
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
}

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
