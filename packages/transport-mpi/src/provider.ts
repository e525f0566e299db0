/**
 * The transport as core loads it by name (`transport: "mpi"` / FUTURES_TRANSPORT=mpi) and
 * as code passes it (`transport: mpi({ ... })`), plus the hooks the `futures` CLI calls.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import type {
  TransportCliHooks,
  TransportContext,
  TransportFactory,
  TransportProvider,
} from '@futures/core/transport';
import { MpiError, MpiUnavailableError } from './errors.js';
import { isStaticController, launcherWorld } from './launcher-env.js';
import { addonPath, INSTALL_HINT, loadNative } from './native.js';
import { MPI_OPTION_SPECS, type MpiOptions, type ResolvedMpiOptions, resolveMpiOptions } from './options.js';
import { becomeStaticController, isStaticServer, serveStatic } from './static-mode.js';
import { spawnTarget, staticTarget, type Target } from './targets.js';
import { MpiTransport } from './transport.js';

function chooseTarget(o: ResolvedMpiOptions): Target {
  if (o.mpiMode === 'spawn') return spawnTarget;
  const staticController = isStaticController();
  if (o.mpiMode === 'static' && !staticController) {
    throw new MpiError(
      'futures: mpiMode "static" needs the static launcher: mpiexec -n N futures run app.js (or futures run --transport=mpi -n N app.js).',
    );
  }
  return staticController ? staticTarget : spawnTarget;
}

/** A factory for `new PoolExecutor({ transport: mpi({ ... }) })`. Invalid options throw TypeError/RangeError. */
export function mpi(options: MpiOptions = {}): TransportFactory {
  const resolved = resolveMpiOptions(options);
  return {
    name: 'mpi',
    create(ctx: TransportContext) {
      return new MpiTransport(ctx, resolved, chooseTarget(resolved));
    },
  };
}

/** `futures info` lines: the MPI found, where the addon is, how this process was launched. */
async function info(): Promise<{ ok: boolean; lines: string[] }> {
  const world = launcherWorld();
  const launch = world
    ? `launched by ${world.launcher}: rank ${world.rank} of ${world.size}`
    : 'not under an MPI launcher: executors spawn their workers (MPI_Comm_spawn)';
  try {
    const lib = loadNative().libraryInfo();
    const first = lib.libraryVersion.split('\n')[0]?.trim() ?? '';
    return {
      ok: true,
      lines: [`MPI: ${lib.flavor}, MPI standard ${lib.standard} (${first})`, `addon: ${addonPath()}`, launch],
    };
  } catch (error) {
    // MpiUnavailableError says how to build the addon itself
    const message = (error as Error).message;
    return {
      ok: false,
      lines: error instanceof MpiUnavailableError ? [message] : [message, `to build it: ${INSTALL_HINT}`],
    };
  }
}

const BATCH_SYSTEMS = ['SLURM_JOB_ID', 'PBS_JOBID', 'LSB_JOBID', 'COBALT_JOBID', 'FLUX_JOB_ID'];

/** Open MPI's mpiexec refuses more ranks than cores unless told; on a workstation, tell it. */
function oversubscribeFlag(launcher: string, n: number): string[] {
  if (n <= os.availableParallelism() || BATCH_SYSTEMS.some((v) => process.env[v])) return [];
  const r = spawnSync(launcher, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /Open MPI|OpenRTE/i.test(`${r.stdout ?? ''}${r.stderr ?? ''}`) ? ['--oversubscribe'] : [];
}

/** In rank 0 of a job of several processes: executors use the other ranks (static mode). */
function claimStaticMode(): void {
  const w = launcherWorld();
  if (w !== null && w.size > 1 && w.rank === 0) becomeStaticController();
}

export const cliHooks: TransportCliHooks = {
  /**
   * `futures run -n N`: N workers, as on every transport, so N + 1 MPI processes (rank 0 runs
   * the program, ranks 1..N serve). FUTURES_MPIEXEC picks the launcher (e.g. srun, or
   * mpiexec.mpich).
   */
  launchCommand(workers, argv) {
    const launcher = process.env.FUTURES_MPIEXEC || 'mpiexec';
    const ranks = workers + 1;
    return [launcher, '-n', String(ranks), ...oversubscribeFlag(launcher, ranks), ...argv];
  },
  /**
   * True in every process an MPI launcher started. In rank 0 of a job of N > 1 processes it
   * also switches the process to static mode and starts MPI, so the serving ranks are
   * released when it exits even if the program never creates an executor.
   */
  isLaunched() {
    claimStaticMode();
    return launcherWorld() !== null;
  },
  /** True in ranks 1..N-1 of a job started by the launcher (they serve; see serve()). */
  isServerProcess() {
    if (isStaticServer()) return true;
    claimStaticMode();
    return false;
  },
  serve: serveStatic,
  info,
};

export const futuresTransport: TransportProvider = {
  name: 'mpi',
  optionSpecs: MPI_OPTION_SPECS,
  factory: (options) => mpi(options as MpiOptions),
  cli: cliHooks,
};
