// The transport's options, accepted by `new PoolExecutor({ ... })` (declaration merging).
import type { MpiMode } from './options.js';

declare module '@futures/core' {
  interface PoolExecutorOptions {
    /** MPI transport: spawn workers, use the static ranks of `futures run`, or auto. @default "auto" */
    mpiMode?: MpiMode;
    /** MPI transport: longest idle sleep of the progress thread (ms). @default 1 */
    backoff?: number;
    /** MPI transport: ms without a heartbeat before a worker rank is lost (0: never). @default 30000 */
    heartbeatTimeout?: number;
    /** MPI transport: extra MPI_Info keys for MPI_Comm_spawn. @default none */
    spawnInfo?: Record<string, string>;
    /** MPI transport: ms MPI_Comm_spawn may take before the executor gives up (0: never). @default 60000 */
    spawnTimeout?: number;
    /** MPI transport: let a singleton spawn more workers than free cores (Open MPI). @default true */
    oversubscribe?: boolean;
  }
}
