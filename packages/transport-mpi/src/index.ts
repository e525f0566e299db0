// @futures/transport-mpi: the MPI transport. This file only re-exports.

export {
  COMM_WORLD,
  CommExecutor,
  type CommExecutorOptions,
  CommPool,
  type CommPoolOptions,
  type Communicator,
  commExecutor,
  commPool,
  splitWorld,
} from './comm-executor.js';
export {
  type CollectiveArray,
  type CommWorkers,
  getCommWorkers,
  type ReduceOperation,
} from './comm-workers.js';
export { MpiError, MpiRankLostError, MpiSpawnTimeoutError, MpiUnavailableError } from './errors.js';
export { type LauncherWorld, launcherWorld } from './launcher-env.js';
export type { MpiMode, MpiOptions, MpiTransportOptions } from './options.js';
export { mpiPingPong, type PingPongResult } from './pingpong.js';
export { cliHooks, futuresTransport, mpi } from './provider.js';
