/**
 * The main module of a worker process started by MPI_Comm_spawn:
 *   node [execArgv] dist/worker-entry.js '<SpawnedWorkerConfig JSON>'
 * Starts MPI at once (the parent's MPI_Comm_spawn waits for every child's MPI_Init), loads
 * the controller's worker runtime, serves the parent channel until the controller ends it,
 * then exits. Frames that arrive while the runtime module is still loading are buffered.
 */
import { runWorkerMain } from '@futures/core/transport';
import { getEngine } from './engine.js';
import { MPI_OPTION_SPECS } from './options.js';
import { type ServeWorker, WorkerServer } from './server.js';
import type { SpawnedWorkerConfig } from './targets.js';

async function main(): Promise<number> {
  const config = JSON.parse(process.argv[2] ?? '{}') as SpawnedWorkerConfig;
  const engine = getEngine({
    backoff: config.backoff ?? MPI_OPTION_SPECS.backoff.default,
    heartbeatTimeout: config.heartbeatTimeout ?? MPI_OPTION_SPECS.heartbeatTimeout.default,
    oversubscribe: false,
  });
  engine.hold();
  const ready = await engine.ready;
  if (ready.parentChannel < 0) {
    process.stderr.write('futures(mpi): worker-entry.js runs only in a process started by MPI_Comm_spawn\n');
    return 2;
  }
  const runtime = (await import(config.runtimeUrl)) as { serveWorker: ServeWorker };
  const server = new WorkerServer({
    engine,
    channel: ready.parentChannel,
    controllerRank: 0,
    serveWorker: runtime.serveWorker,
    workersRank: ready.rank,
    workersSize: ready.size,
  });
  engine.release();
  await server.done;
  return 0;
}

runWorkerMain('futures(mpi): worker failed', main);
