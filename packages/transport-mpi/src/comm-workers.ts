/**
 * Inside a task on an MPI worker: the workers' own communicator (the controller is not in
 * it), like mpi4py.futures' get_comm_workers(), so that a task can itself be parallel.
 * Submit exactly as many tasks as there are workers when they must meet in a collective.
 * Collectives run on the progress thread: awaiting one leaves the worker's event loop free.
 */
import { MpiError } from './errors.js';
import { CollOp, DType, ReduceOp } from './native.js';
import { workerChannel } from './worker-channel.js';

export type CollectiveArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export type ReduceOperation = keyof typeof ReduceOp;

export interface CommWorkers {
  /** This worker's rank among the workers (0..size-1). */
  readonly rank: number;
  /** How many workers there are. */
  readonly size: number;
  barrier(): Promise<void>;
  /** Broadcasts `root`'s `data` into every worker's `data` (in place); resolves with it. */
  bcast<T extends CollectiveArray>(data: T, root?: number): Promise<T>;
  /** Reduces `data` across the workers into every worker's `data` (in place); resolves with it. */
  allreduce<T extends CollectiveArray>(data: T, op?: ReduceOperation): Promise<T>;
}

function dtypeOf(a: CollectiveArray): number {
  if (a instanceof Float64Array) return DType.Float64;
  if (a instanceof Float32Array) return DType.Float32;
  if (a instanceof Int32Array) return DType.Int32;
  if (a instanceof Uint32Array) return DType.Uint32;
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return DType.Uint8;
  if (a instanceof Int8Array) return DType.Int8;
  if (a instanceof Int16Array) return DType.Int16;
  if (a instanceof Uint16Array) return DType.Uint16;
  if (a instanceof BigInt64Array) return DType.BigInt64;
  if (a instanceof BigUint64Array) return DType.BigUint64;
  throw new TypeError('futures: collectives take a typed array (Float64Array, Int32Array, ...)');
}

/** The workers' communicator; throws outside a task running on an MPI worker. */
export function getCommWorkers(): CommWorkers {
  const state = workerChannel();
  if (state === null) {
    throw new Error(
      'futures: getCommWorkers() works only inside a task running on an MPI worker (transport "mpi")',
    );
  }
  const { engine, channel, rank, size } = state;
  const run = async (
    op: number,
    data: CollectiveArray | null,
    root: number,
    reduce: number,
  ): Promise<void> => {
    const done = await engine.request(
      'collectiveDone',
      (t) => engine.native.collective(t, channel, op, data, data === null ? 0 : dtypeOf(data), root, reduce),
      data,
    );
    if (done.error !== undefined) throw new MpiError(`futures: a workers' collective failed: ${done.error}`);
  };
  const checkRoot = (root: number) => {
    if (!Number.isInteger(root) || root < 0 || root >= size) {
      throw new RangeError(`futures: root must be an integer rank in [0, ${size}), got ${root}`);
    }
  };
  return {
    rank,
    size,
    barrier: () => run(CollOp.Barrier, null, 0, 0),
    async bcast(data, root = 0) {
      checkRoot(root);
      dtypeOf(data);
      await run(CollOp.Bcast, data, root, 0);
      return data;
    },
    async allreduce(data, op = 'sum') {
      const code = ReduceOp[op];
      if (code === undefined)
        throw new RangeError(
          `futures: unknown reduction "${String(op)}"; use one of ${Object.keys(ReduceOp).join(', ')}`,
        );
      dtypeOf(data);
      await run(CollOp.Allreduce, data, 0, code);
      return data;
    },
  };
}
