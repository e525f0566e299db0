import type { Frame } from './frame.js';

/**
 * The transport contract. A transport moves Frames between one controller and N workers
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
  /** Extra environment variables for the workers (already merged with process.env where a transport needs a full env). */
  env: Readonly<Record<string, string>> | null;
  /** Working directory for the workers (process-based transports chdir; thread transports cannot). */
  cwd: string | null;
  /** Node flags for worker processes/threads. */
  execArgv: readonly string[] | null;
  /** Transport-specific options after validation by the provider's option specs. */
  options: Readonly<Record<string, unknown>>;
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

/** What every option spec carries, whatever its type. */
export interface OptionSpecBase {
  /** One line for `futures info` and error messages. */
  description: string;
  /** The value used when none is given (what `futures info` shows); absent: no value. */
  default?: unknown;
  /**
   * An older environment variable that is still read, with a one-time DeprecationWarning
   * naming the new one (FUTURES_<TRANSPORT>_<OPTION>), when the new one is not set.
   */
  legacyEnv?: string;
  /**
   * An older environment variable that is no longer read because it was ambiguous (two
   * transports gave it different meanings): setting it is an error naming the new variable.
   */
  retiredEnv?: string;
}

/**
 * The type of one option, for validation of values from code, the environment (strings,
 * parsed here) and configuration files, with one error shape: a TypeError or RangeError with
 * `code` ERR_FUTURES_INVALID_OPTION whose message names the option, its source and the fix.
 */
export type OptionSpec = OptionSpecBase &
  (
    | { type: 'integer' | 'number'; min?: number; max?: number }
    | { type: 'string'; choices?: readonly string[]; nonEmpty?: boolean }
    | { type: 'boolean' }
    | {
        type: 'json';
        /** `record`: an object of strings; `list`: an array of strings; `object`: any object (see `check`). */
        shape: 'record' | 'list' | 'object';
        /** Further checks of a valid shape: returns what was expected when the value is wrong. */
        check?(value: object): string | undefined;
        /** An example value for the error message. */
        example: string;
      }
  );

/**
 * Hooks the `futures` CLI uses, so that it needs no transport-specific code.
 * All optional; a transport without them runs `futures run` as a plain child process.
 */
export interface TransportCliHooks {
  /**
   * `futures run -n N`: the command line that starts the program with N workers (mpi:
   * `mpiexec -n N+1 <argv...>`, rank 0 being the program), or null to run `argv` as it is.
   * Called only when the CLI is not already running under this transport's launcher.
   */
  launchCommand?(workers: number, argv: readonly string[]): string[] | null;
  /**
   * True in every process this transport's launcher started (every rank of an
   * `mpiexec -n N futures run ...`, rank 0 included): the CLI then runs the program in its
   * own process instead of a child, since the process (its MPI rank) belongs to the job.
   */
  isLaunched?(): boolean;
  /** True when this process was started by the launcher and is not the controller (an MPI rank > 0 in static mode). */
  isServerProcess?(): boolean;
  /** Serves as a worker until the controller stops it; resolves with the exit code. */
  serve?(): Promise<number>;
  /** `futures worker ...args` (zmq: --connect ADDR ...): runs a worker that joins a running pool; resolves with the exit code. */
  worker?(argv: readonly string[]): Promise<number>;
  /** `futures keygen ...args` (zmq: writes a key pair for CURVE authentication); resolves with the exit code. */
  keygen?(argv: readonly string[]): Promise<number>;
  /** Extra `futures info` lines: versions, what was detected, and why the transport cannot load here. */
  info?(): Promise<{ ok: boolean; lines: string[] }>;
}

/**
 * What a transport package exports as `futuresTransport`, so that core can load it by name
 * (`FUTURES_TRANSPORT=x` loads `@futures/transport-x`).
 */
export interface TransportProvider {
  readonly name: string;
  /** Its own options (beyond the core ones): names, types and descriptions. */
  readonly optionSpecs: Readonly<Record<string, OptionSpec>>;
  /** Builds a factory from validated options (the same function the package exports, e.g. `shm`). */
  factory(options: Record<string, unknown>): TransportFactory;
  /** Hooks for the `futures` CLI. */
  readonly cli?: TransportCliHooks;
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
