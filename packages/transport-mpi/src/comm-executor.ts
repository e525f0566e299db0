/**
 * Comm executors: inside an existing MPI program (`mpiexec -n N node app.js`), every rank
 * calls commExecutor() together; the root gets an executor whose workers are the other
 * ranks, the other ranks serve it and get null once the root shuts it down (like
 * mpi4py.futures' MPICommExecutor). commPool() is the same with any number of executors
 * on one communicator.
 */
import {
  type ExecutorCoreOptions,
  PoolExecutor,
  type PoolExecutorOptions,
  type ShutdownOptions,
} from '@futures/core';
import type { TransportContext } from '@futures/core/transport';
import { type Engine, getEngine } from './engine.js';
import { MpiError } from './errors.js';
import { MPI_OPTION_SPECS, type MpiOptions, type ResolvedMpiOptions, resolveMpiOptions } from './options.js';
import { type ServeWorker, WorkerServer } from './server.js';
import { commTarget } from './targets.js';
import { MpiTransport } from './transport.js';

/** Which ranks take part: the whole world, or one part of a split of it. */
export interface Communicator {
  readonly kind: 'world' | 'split';
  readonly color: number;
  readonly key: number;
}

/** Every rank of the job. */
export const COMM_WORLD: Communicator = Object.freeze({ kind: 'world', color: -1, key: 0 });

/** The ranks that pass the same `color` (>= 0), ordered by `key` then world rank (MPI_Comm_split). */
export function splitWorld(color: number, key = 0): Communicator {
  if (!Number.isInteger(color) || color < 0)
    throw new RangeError(`futures: splitWorld color must be an integer >= 0, got ${color}`);
  if (!Number.isInteger(key)) throw new TypeError(`futures: splitWorld key must be an integer, got ${key}`);
  return Object.freeze({ kind: 'split', color, key });
}

export interface CommPoolOptions extends MpiOptions {
  /** The rank (in `comm`) that gets the executors. @default 0 */
  root?: number;
  /** The ranks taking part; every one of them makes the call. @default COMM_WORLD */
  comm?: Communicator;
}

export interface CommExecutorOptions extends ExecutorCoreOptions, CommPoolOptions {}

/** The root's side of a communicator whose other ranks serve: makes executors on it. */
export class CommPool {
  readonly #engine: Engine;
  readonly #channel: number;
  readonly #root: number;
  readonly #size: number;
  readonly #options: ResolvedMpiOptions;
  #closed: Promise<void> | null = null;

  constructor(engine: Engine, channel: number, root: number, size: number, options: ResolvedMpiOptions) {
    this.#engine = engine;
    this.#channel = channel;
    this.#root = root;
    this.#size = size;
    this.#options = options;
  }

  /** How many ranks serve (the communicator's size minus the root). */
  get numWorkers(): number {
    return this.#size - 1;
  }

  /** An executor on the serving ranks (all of them unless maxWorkers says fewer). */
  createExecutor(options: ExecutorCoreOptions = {}): PoolExecutor {
    return new PoolExecutor(this.executorOptions(options));
  }

  /** PoolExecutor options for an executor on this pool. */
  executorOptions(options: ExecutorCoreOptions): PoolExecutorOptions {
    if (this.#closed !== null) throw new MpiError('futures: this comm pool is closed');
    const target = commTarget(this.#channel, this.#root, this.#size);
    const factory = {
      name: 'mpi',
      create: (ctx: TransportContext) => new MpiTransport(ctx, this.#options, target),
    };
    return { maxWorkers: Math.max(1, this.numWorkers), ...options, transport: factory };
  }

  /** Releases the serving ranks (their commPool()/commExecutor() call returns null). Shut the executors down first. */
  close(): Promise<void> {
    this.#closed ??= this.#engine.finalized
      ? Promise.resolve()
      : this.#engine
          .request('channelClosed', (t) => this.#engine.native.closeChannel(t, this.#channel, true))
          .then(() => {});
    return this.#closed;
  }
}

/** The executor commExecutor() returns at the root: its shutdown also releases the serving ranks. */
export class CommExecutor extends PoolExecutor {
  readonly #pool: CommPool;
  #closing: Promise<void> | null = null;

  constructor(options: ExecutorCoreOptions, pool: CommPool) {
    super(pool.executorOptions(options));
    this.#pool = pool;
  }

  override shutdown(options: ShutdownOptions = {}): Promise<void> {
    const result = super.shutdown(options);
    this.#closing ??= super
      .shutdown({ wait: true })
      .catch(() => {})
      .then(() => this.#pool.close());
    return options.wait === false ? result : result.then(() => this.#closing!);
  }
}

/**
 * Called collectively on every rank of `comm`: at the root resolves with a CommPool; on the
 * other ranks serves the root's executors and resolves with null once the root closes it.
 * A bad root is a RangeError on every rank.
 */
export async function commPool(options: CommPoolOptions = {}): Promise<CommPool | null> {
  const { root = 0, comm = COMM_WORLD, ...transportOptions } = options;
  if (!Number.isInteger(root) || root < 0)
    throw new RangeError(`futures: root must be an integer rank >= 0, got ${String(root)}`);
  if (comm?.kind !== 'world' && comm?.kind !== 'split')
    throw new TypeError('futures: comm must be COMM_WORLD or splitWorld(color, key)');
  const mpiOptions = resolveMpiOptions(transportOptions);
  const engine = getEngine({
    backoff: mpiOptions.backoff,
    heartbeatTimeout: mpiOptions.heartbeatTimeout,
    oversubscribe: false,
  });
  const ready = await engine.ready;
  if (comm.kind === 'world' && root >= ready.size) {
    throw new RangeError(`futures: root ${root} is not a rank of the communicator (size ${ready.size})`);
  }
  const opened = await engine.request('channelOpen', (t) =>
    engine.native.openComm(t, root, comm.color, comm.key),
  );
  if (opened.error !== undefined) {
    if (opened.error.startsWith('bad root')) throw new RangeError(`futures: ${opened.error}`);
    throw new MpiError(`futures: could not open the communicator: ${opened.error}`);
  }
  const { channel, localRank: rank, size } = opened;
  if (size < 2) {
    await engine.request('channelClosed', (t) => engine.native.closeChannel(t, channel, false));
    throw new RangeError(
      'futures: a comm executor needs a communicator of at least 2 ranks (the root and a worker)',
    );
  }
  if (rank === root) return new CommPool(engine, channel, root, size, mpiOptions);
  const runtime = (await import('@futures/core/worker')) as { serveWorker: ServeWorker };
  const server = new WorkerServer({
    engine,
    channel,
    controllerRank: root,
    serveWorker: runtime.serveWorker,
    workersRank: rank < root ? rank : rank - 1,
    workersSize: size - 1,
  });
  await server.done;
  return null;
}

/**
 * Called collectively on every rank of `comm`: resolves with the executor at `root` and,
 * on the other ranks, serves it and resolves with null once the root shut it down.
 */
export async function commExecutor(options: CommExecutorOptions = {}): Promise<CommExecutor | null> {
  const poolOptions: Record<string, unknown> = {};
  const executorOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    (k in MPI_OPTION_SPECS || k === 'root' || k === 'comm' ? poolOptions : executorOptions)[k] = v;
  }
  const pool = await commPool(poolOptions as CommPoolOptions);
  if (pool === null) return null;
  return new CommExecutor(executorOptions, pool);
}
