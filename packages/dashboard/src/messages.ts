/**
 * The dashboard's wire protocol: what `GET /events` sends, one server-sent event per message
 * (`data: <JSON>\n\n`, no `event:` field, so the page reads them all with `onmessage`).
 *
 * A page that connects first gets one `hello` with everything the server still holds (the
 * executors of this process, their workers, the recent task spans, errors and stats points),
 * then the changes as they happen. A reconnecting EventSource gets a fresh `hello`: the page
 * replaces its state with it rather than merging.
 *
 * Rules that hold for every message:
 * - Times are epoch milliseconds (`Date.now()` scale, fractional), on the controller's clock.
 * - Executors are named by `executorId` (unique in this process, e.g. "shm-1"); a worker is
 *   named by the pair (executorId, workerId): worker ids are per executor.
 * - Task arguments and results are never sent, in no message. A failed task's error name,
 *   message and remote stack are (that is what the error panel shows); a task that puts its
 *   arguments into its error message shows them there, as it would in the program's own log.
 * - Secret transport settings (keys, secrets, tokens) are never sent (see `ExecutorInfo`).
 */

/** Version of this protocol, in `hello.v`; raised when a message changes incompatibly. */
export const DASHBOARD_PROTOCOL_VERSION = 1;

/** A setting's value as shown: secrets are left out, not masked. */
export type SettingValue = string | number | boolean | null;

/** One executor of the program. */
export interface ExecutorInfo {
  /** Unique in this process: `<transport>-<n>`, e.g. "shm-1", "zmq-2". */
  executorId: string;
  /** The transport name ("shm", "zmq", "mpi", or a third party's). */
  transport: string;
  /**
   * The executor's settings for display: core options (maxWorkers, maxInFlight, ...) and the
   * transport's, as resolved (name → value). Settings whose name says key/secret/token/password
   * are left out.
   */
  settings: Record<string, SettingValue>;
  /** Host and pid of the controller (this process). */
  host: string;
  pid: number;
  /** When the dashboard saw it attach (it starts its workers then). */
  startedAt: number;
  /** When it shut down; absent while it runs. */
  closedAt?: number;
  /** Why it broke (its BrokenExecutorError's message), when it did. */
  broken?: string;
}

/** One worker of one executor, as seen when it joined and since. */
export interface WorkerInfo {
  executorId: string;
  /** Per executor; not reused within an executor while the program runs. */
  workerId: number;
  host: string;
  pid: number;
  /** The worker thread's id (shm: a thread of this process; 0 for a process's main thread). */
  threadId: number;
  /** A transport's own name for it when it has one, e.g. "rank 3" (MPI); absent otherwise. */
  label?: string;
  /** `alive` while it serves; `lost` after it died or went away (see lostReason); `stopped` after a normal shutdown. */
  state: 'alive' | 'lost' | 'stopped';
  joinedAt: number;
  /** When it was lost or stopped. */
  leftAt?: number;
  /** Why it was lost (the transport's error message, e.g. "worker 2 exited with code 1"). */
  lostReason?: string;
}

/**
 * One finished task on one worker: a bar in the task stream. `start` is `end` minus the run
 * time the worker measured, so it is when the task really began running there (not when it
 * was sent); `end` is when its result reached the controller.
 */
export interface TaskSpan {
  executorId: string;
  workerId: number;
  /**
   * The task function's name: the export name for a task reference ("render"), the
   * function's `name` for a plain function ("<anonymous>" when it has none). Colour bars by it.
   */
  fn: string;
  start: number;
  end: number;
  /** False when the task failed (it threw, or was aborted / timed out after it started). */
  ok: boolean;
}

/** A task that failed in a worker, with what the worker said about it. */
export interface TaskErrorInfo {
  executorId: string;
  /** The worker that ran it (a task whose worker was lost shows as that worker's `worker-lost`). */
  workerId: number;
  fn: string;
  time: number;
  /** The error's name, e.g. "TypeError", "WorkerLostError". */
  name: string;
  message: string;
  /** The stack as the worker reported it (remote frames); absent when it had none. */
  stack?: string;
}

/** Per-worker figures in a stats point. */
export interface WorkerLoad {
  workerId: number;
  /** Tasks it holds now (running plus queued at it). */
  inFlight: number;
  /** Tasks it has finished since it joined. */
  completed: number;
  /** Fraction (0..1) of the time since the previous stats point during which it held a task. */
  utilization: number;
}

/**
 * An executor's counters at one moment. Sent about every 500 ms while anything changes,
 * and once more when it goes idle or shuts down (so charts end at the right value).
 */
export interface StatsPoint {
  executorId: string;
  time: number;
  /** Cumulative since the executor started. */
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Tasks resubmitted after their worker was lost. */
  retried: number;
  /** Waiting in the controller's queue now. */
  queued: number;
  /** Handed to workers and not finished now. */
  running: number;
  /** Tasks finished (completed + failed) per second since the previous point. */
  tasksPerSecond: number;
  workers: WorkerLoad[];
}

/** Everything the server holds, sent first on every connection. */
export interface HelloMessage {
  type: 'hello';
  /** DASHBOARD_PROTOCOL_VERSION. */
  v: number;
  /** The server's clock now (epoch ms), so the page can line up its time axis. */
  time: number;
  /** The program: its pid, host and command line's script name (no arguments). */
  program: { pid: number; host: string; title: string };
  /** Executors of this process, running and closed, oldest first (closed ones have closedAt). */
  executors: ExecutorInfo[];
  /** Their workers, alive and gone, in join order. */
  workers: WorkerInfo[];
  /** The most recent task spans (bounded: at most the server's span ring, 10,000 by default), oldest first. */
  spans: TaskSpan[];
  /** The most recent errors (at most 100), oldest first. */
  errors: TaskErrorInfo[];
  /** Recent stats points of every executor (at most 600 per executor: 5 minutes), grouped by executor, oldest first. */
  stats: StatsPoint[];
}

export type DashboardMessage =
  | HelloMessage
  /** An executor attached (it is starting its workers). */
  | { type: 'executor'; executor: ExecutorInfo }
  /** An executor shut down (or broke); its workers follow as `worker-lost` with state "stopped". */
  | { type: 'executor-closed'; executorId: string; time: number; broken?: string }
  /** A worker is ready to run tasks. */
  | { type: 'worker-joined'; worker: WorkerInfo }
  /**
   * A worker left: `state` "lost" when it died or went away while the executor ran (reason
   * says why), "stopped" when its executor shut it down.
   */
  | {
      type: 'worker-lost';
      executorId: string;
      workerId: number;
      time: number;
      state: 'lost' | 'stopped';
      reason?: string;
    }
  /** New counters of one executor. */
  | { type: 'stats'; stats: StatsPoint }
  /**
   * Tasks finished since the previous `spans` (batched, about every 200 ms while tasks
   * finish), oldest first. At high rates only the most recent ones are sent (at most 1,000
   * per batch): `dropped` counts those left out, so the task stream is a sample then, while
   * the counters in `stats` stay exact.
   */
  | { type: 'spans'; spans: TaskSpan[]; dropped: number }
  /** A task failed. */
  | { type: 'error'; error: TaskErrorInfo };

/** The `type` of every message. */
export type DashboardMessageType = DashboardMessage['type'];
