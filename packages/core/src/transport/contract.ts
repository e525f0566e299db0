import type { Frame } from './frame.js';

/**
 * The runtime contract (the plugin contract is in provider.ts, the CLI's hooks in
 * cli-hooks.ts). A transport moves Frames between one controller and N workers
 * and manages the workers' lives; everything else (scheduling, futures, chunking,
 * cancellation, retries, serialization, the worker-side task runtime) lives in core.
 *
 * Designed for three very different media:
 * - shm: workers are threads; each link is a pair of SharedArrayBuffer rings.
 * - mpi: a native progress thread owns every MPI call; frames become an MPI message for
 *   the head plus one per out-of-band buffer, sent straight from their memory.
 * - zmq: ROUTER/DEALER sockets; workers join and leave while the pool runs.
 *
 * Threading rule: every method here is called on the controller's JavaScript thread, and
 * every TransportHandler callback must be called on it too (never from a native thread:
 * marshal through a thread-safe function first). No method may block that thread.
 */

/** What the executor tells a transport when it creates it. */
export interface TransportContext {
  /** How many workers to start (or, for elastic transports, to wait for at bootup). */
  maxWorkers: number;
  /**
   * Whether the user chose `maxWorkers` (option, FUTURES_MAX_WORKERS or a config file).
   * When false it is core's default (the available parallelism), which a transport may
   * replace with a better default of its own (MPI spawn: the MPI universe size).
   */
  maxWorkersExplicit: boolean;
  /**
   * The executor's `env` option: extra environment variables for the workers, not merged
   * with anything. Core's worker runtime applies them in every worker at init; a transport
   * that starts threads or processes reads them only through `workerLaunch(ctx)`.
   */
  env: Readonly<Record<string, string>> | null;
  /** The executor's `cwd` option: the workers' working directory; owned like `env`. */
  cwd: string | null;
  /** The executor's `execArgv` option: Node flags for worker processes/threads (see `workerLaunch`). */
  execArgv: readonly string[] | null;
  /** Where a worker loads the runtime from: `@futures/core/worker`'s file URL. */
  workerRuntimeUrl: string;
  /**
   * The executor's `maxMessageBytes`: no task's arguments or result beyond it are sent. A
   * transport with a receive limit of its own may lower that to it. Absent: no limit given.
   */
  maxMessageBytes?: number;
}

/** Callbacks from the transport to the executor (controller thread only). */
export interface TransportHandler {
  /** A worker is connected and can receive frames (its first frame will be the init message). */
  workerJoined(workerId: number): void;
  /** A frame from a worker. The frame's buffers belong to the handler from now on. */
  message(workerId: number, frame: Frame): void;
  /**
   * A worker is gone (exit, crash, heartbeat timeout). Frames already delivered stay
   * valid; nothing more will come from it. `error` says why.
   */
  workerLost(workerId: number, error: Error): void;
  /** The transport as a whole failed (e.g. an MPI rank died): the executor breaks. */
  broken(error: Error): void;
}

export interface Transport {
  /** Short name for messages (e.g. "shm"). */
  readonly name: string;
  /**
   * The largest frame (head plus buffers, in bytes) this transport carries, when it has a
   * ceiling of its own (zmq: its receivers' limit). The executor's limit is the lower of
   * this and its `maxMessageBytes` option. Optional: absent, only the option applies.
   */
  readonly maxMessageBytes?: number;
  /**
   * Starts (or starts accepting) workers; calls `handler.workerJoined` for each. Resolves
   * once starting is under way, with how many workers `bootup()` should wait for (MPI
   * spawn may get fewer than asked; an elastic transport may need only some). The executor
   * waits for the workers' ready messages itself.
   */
  start(handler: TransportHandler): Promise<number>;
  /**
   * Queues a frame for a worker and returns at once. The transport may hold the frame's
   * buffers until sent; the caller must not mutate them (and does not reuse them).
   */
  send(workerId: number, frame: Frame): void;
  /**
   * The executor has outstanding work (true) or none (false). While true the transport
   * keeps the event loop alive; while false it must not (an idle pool never keeps the
   * process alive, and idle workers use no CPU).
   */
  setActive(active: boolean): void;
  /**
   * After a workerLost, asks for a replacement worker. Optional: transports that cannot
   * replace workers (MPI) leave it out; elastic ones (zmq) may ignore it.
   */
  replaceWorker?(lostWorkerId: number): void;
  /**
   * Forcibly ends one worker (escalation of an ignored abort). It must then be reported
   * with workerLost. Optional.
   */
  terminateWorker?(workerId: number): void;
  /**
   * Stops every worker and releases every resource. The executor has already sent each
   * worker a stop message and received its last results; `force` means do not wait for
   * workers to exit on their own. Idempotent.
   */
  stop(options: { force: boolean }): Promise<void>;
}

/** A configured transport: what `new PoolExecutor({ transport })` accepts instead of a name. */
export interface TransportFactory {
  readonly name: string;
  create(context: TransportContext): Transport;
}

/**
 * The worker side of a link, given by the transport's worker entry to `serveWorker`.
 * Called on the worker's JavaScript thread.
 */
export interface WorkerEndpoint {
  /** Sends a frame to the controller; must not block for long (queue if needed). */
  send(frame: Frame): void;
  /** The runtime has processed `stop`: flush what is queued, then end this worker. */
  close(): void;
  /**
   * Optional: hands every frame that has already arrived to the runtime now, synchronously
   * (through `handle`), and moves what waits to be sent. A transport that can read its link
   * without the event loop (shared memory) gives it; the runtime then calls it between
   * tasks instead of a turn of the event loop, so a task waiting in the link starts at once.
   */
  receive?(): void;
}
