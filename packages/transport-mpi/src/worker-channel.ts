/**
 * The worker side's channel to its controller, as tasks see it (getCommWorkers): shared by
 * every copy of this package in the process through a global symbol, because a task module
 * may import the package from another path than the worker entry did.
 */
import type { Engine } from './engine.js';

export interface WorkerChannelState {
  engine: Engine;
  channel: number;
  /** This worker's rank and the size of the workers' communicator (controller excluded). */
  rank: number;
  size: number;
}

const KEY = Symbol.for('@futures/transport-mpi/worker-channel');
type Holder = { [KEY]?: WorkerChannelState | null };

export function setWorkerChannel(state: WorkerChannelState | null): void {
  (globalThis as Holder)[KEY] = state;
}

export function workerChannel(): WorkerChannelState | null {
  return (globalThis as Holder)[KEY] ?? null;
}

/** Sessions: one per executor on a shared channel (static mode, comm executors); unique per process. */
const SESSION = Symbol.for('@futures/transport-mpi/session');
type SessionHolder = { [SESSION]?: number };

export function nextSession(): number {
  const g = globalThis as SessionHolder;
  g[SESSION] = (g[SESSION] ?? 0) + 1;
  return g[SESSION];
}
