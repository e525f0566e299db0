/**
 * Static mode: `mpiexec -n N futures run app.js` (or `futures run --transport=mpi -n N
 * app.js`, or this package's own `dist/run.js` launcher). Rank 0 runs the program; ranks
 * 1..N-1 serve every executor it creates, until rank 0 exits.
 */

import { transportEnvSettings, validateOptions } from '@futures/core/transport';
import { getEngine } from './engine.js';
import { launcherWorld, STATIC_MARKER } from './launcher-env.js';
import { MPI_OPTION_SPECS, type ResolvedMpiOptions, resolveMpiOptions } from './options.js';
import { type ServeWorker, WorkerServer } from './server.js';
import { staticWorld } from './targets.js';

/** Transport options from FUTURES_MPI_<OPTION> variables, for processes started before any executor. */
export function optionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedMpiOptions {
  const values = transportEnvSettings('mpi', MPI_OPTION_SPECS, env);
  return resolveMpiOptions(validateOptions(values, MPI_OPTION_SPECS, 'transport "mpi"'), 'the environment');
}

function engineOf(options: ResolvedMpiOptions) {
  return getEngine({
    backoff: options.backoff,
    heartbeatTimeout: options.heartbeatTimeout,
    oversubscribe: false,
  });
}

/** True in ranks 1..N-1 of a job with N > 1 processes (from the launcher's environment). */
export function isStaticServer(): boolean {
  const w = launcherWorld();
  return w !== null && w.size > 1 && w.rank > 0;
}

/**
 * Rank 0 of a static job: marks this process so that executors use static mode, and starts
 * MPI with the world channel now, so the servers are released when it exits even if the
 * program never creates an executor.
 */
export function becomeStaticController(): void {
  if (process.env[STATIC_MARKER] === '1') return;
  markStaticController();
  const engine = engineOf(optionsFromEnv());
  staticWorld(engine, false).catch((error: unknown) => {
    process.stderr.write(`futures(mpi): static mode could not start: ${(error as Error).message}\n`);
  });
}

/**
 * Marks this process (rank 0 of a static job) so that its executors use static mode, and
 * makes every server rank the default worker count (an explicit maxWorkers still wins).
 */
export function markStaticController(): void {
  process.env[STATIC_MARKER] = '1';
  const w = launcherWorld();
  if (w !== null && w.size > 1 && !process.env.FUTURES_MAX_WORKERS)
    process.env.FUTURES_MAX_WORKERS = String(w.size - 1);
}

/** Ranks 1..N-1: serve rank 0's executors until it exits; resolves with the exit code. */
export async function serveStatic(): Promise<number> {
  const engine = engineOf(optionsFromEnv());
  engine.hold();
  try {
    const world = await staticWorld(engine, true);
    const runtime = (await import('@futures/core/worker')) as { serveWorker: ServeWorker };
    const server = new WorkerServer({
      engine,
      channel: world.channel,
      controllerRank: 0,
      serveWorker: runtime.serveWorker,
      workersRank: world.rank - 1,
      workersSize: world.size - 1,
    });
    await server.done;
    return 0;
  } finally {
    engine.release();
  }
}
