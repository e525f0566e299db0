// The options of the three built-in transports, declared here once so that
// `new PoolExecutor({ transport: 'zmq', ... })` is checked without importing the transport
// package. Each package validates them with its OptionSpecs (which name the same keys) and
// re-exports these types. Every option can also be set as FUTURES_<TRANSPORT>_<OPTION>
// (e.g. FUTURES_SHM_RING_BYTES) or as a key of futures.config.json.

/** V8 heap limits of a worker thread, in MB (Node's `resourceLimits` of `new Worker`). */
export interface WorkerResourceLimits {
  /** Most memory of the main heap. */
  maxOldGenerationSizeMb?: number;
  /** Most memory of the heap space for recently created objects. */
  maxYoungGenerationSizeMb?: number;
  /** Memory range pre-allocated for generated code. */
  codeRangeSizeMb?: number;
  /** Default maximum stack size of the thread. */
  stackSizeMb?: number;
}

/** Options of the shm transport (`shm(options)`, FUTURES_SHM_<OPTION>, or futures.config.json). */
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
  resourceLimits?: WorkerResourceLimits;
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

/** Options of the zmq transport (`zmq(options)`, FUTURES_ZMQ_<OPTION>, or futures.config.json). */
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

/** How executors of an MPI process get their workers. */
export type MpiMode = 'auto' | 'spawn' | 'static';

/** Options of the mpi transport (`mpi(options)`, FUTURES_MPI_<OPTION>, or futures.config.json). */
export interface MpiOptions {
  /**
   * `spawn` starts workers with MPI_Comm_spawn; `static` uses ranks 1..N-1 of a job started
   * with `mpiexec -n N futures run app.js`; `auto` is static under that launcher, else spawn.
   * Environment: FUTURES_MPI_MODE.
   * @default "auto"
   */
  mpiMode?: MpiMode;
  /**
   * Longest sleep (ms) of the idle progress thread between polls, like mpi4py's
   * MPI4PY_FUTURES_BACKOFF (which is in seconds): lower is lower latency when idle, higher
   * is less idle CPU. 0 polls without sleeping.
   * @default 1
   */
  backoff?: number;
  /**
   * A worker rank that sends nothing for this long (ms) is declared lost and the executor
   * breaks (workers send a heartbeat every second from their progress thread, even while a
   * task runs). Workers on this machine are also watched by pid. 0 turns the timeout off.
   * @default 30000
   */
  heartbeatTimeout?: number;
  /** Spawn mode: extra MPI_Info keys for MPI_Comm_spawn, e.g. `{ "host": "node1,node2" }` or `{ "hostfile": "hosts" }`. @default none */
  spawnInfo?: Record<string, string>;
  /**
   * Spawn mode: how long (ms) MPI_Comm_spawn may take before the executor gives up with an
   * MpiSpawnTimeoutError (its futures fail, the processes it started are killed). MPI cannot
   * cancel a spawn: MPI is then unusable in this process until it exits. A spawn completes
   * once every worker has called MPI_Init; raise this for very large spawns. 0: wait forever.
   * @default 60000
   */
  spawnTimeout?: number;
  /**
   * Spawn mode from a singleton (`node app.js`): set OMPI_MCA_rmaps_base_oversubscribe=1 when
   * unset, so Open MPI starts more workers than free cores (the controller mostly sleeps).
   * @default true
   */
  oversubscribe?: boolean;
}
