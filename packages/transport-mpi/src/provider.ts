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
import { type Environment, isStaticController, launcherWorld } from './launcher-env.js';
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

/** What `LAUNCHER --version` says (cached: launchCommand may be called more than once). */
const versions = new Map<string, string>();
function launcherVersion(launcher: string): string {
  let v = versions.get(launcher);
  if (v === undefined) {
    const r = spawnSync(launcher, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    v = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    versions.set(launcher, v);
  }
  return v;
}

/** Open MPI's mpiexec refuses more ranks than cores unless told; on a workstation, tell it. */
function oversubscribeFlag(launcher: string, n: number): string[] {
  if (n <= os.availableParallelism() || BATCH_SYSTEMS.some((v) => process.env[v])) return [];
  return /Open MPI|OpenRTE/i.test(launcherVersion(launcher)) ? ['--oversubscribe'] : [];
}

/**
 * The MCA parameters `futures run --transport=mpi -n N` gives Open MPI 4's mpiexec (see
 * docs/transport-mpi.md, "Failures across hosts"):
 * - oob TCP keepalive 5 s + 11 x 3 s: mpiexec notices a lost host (cut link, powered off)
 *   within ~40 s, after the transport's 30 s heartbeat timeout, instead of 8-15 minutes;
 * - `orte_abort_on_non_zero_status 0`: a rank killed by a signal (kill -9, out of memory) no
 *   longer makes mpiexec tear the whole job down ~2 s later, rank 0 included: rank 0 notices
 *   the loss, settles every future with BrokenExecutorError, and the job ends when it exits
 *   (a rank that exits without MPI_Finalize still ends the job).
 */
export const OPEN_MPI_DEFAULTS: Readonly<Record<string, string>> = {
  oob_tcp_keepalive_time: '5',
  oob_tcp_keepalive_intvl: '3',
  oob_tcp_keepalive_probes: '11',
  orte_abort_on_non_zero_status: '0',
};

/**
 * `--mca NAME VALUE` for each of OPEN_MPI_DEFAULTS the user did not set: in the environment
 * (OMPI_MCA_NAME, which mpiexec reads) or in `given` (the launcher's own arguments, e.g.
 * FUTURES_MPIEXEC="mpiexec --mca oob_tcp_keepalive_time 60"). The keepalive settings go
 * together: any of them set by the user leaves all three to the user, and so does
 * `--enable-recovery`/`--disable-recovery` for the abort setting.
 */
export function openMpiDefaults(env: Readonly<Environment>, given: readonly string[] = []): string[] {
  const chosen = (name: string): boolean =>
    env[`OMPI_MCA_${name}`] !== undefined ||
    given.some((a, i) => a === name && /^--?(g)?mca$/.test(given[i - 1] ?? ''));
  const keepaliveChosen = ['time', 'intvl', 'probes'].some((k) => chosen(`oob_tcp_keepalive_${k}`));
  const recoveryChosen = given.some((a) => /^--?(enable|disable)-recovery$/.test(a));
  const out: string[] = [];
  for (const [name, value] of Object.entries(OPEN_MPI_DEFAULTS)) {
    const skip = name.startsWith('oob_tcp_keepalive_')
      ? keepaliveChosen
      : chosen(name) || recoveryChosen || chosen('orte_enable_recovery');
    if (!skip) out.push('--mca', name, value);
  }
  return out;
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
   * mpiexec.mpich, or a command line: "mpiexec --hostfile hosts"). With Open MPI 4 it adds
   * OPEN_MPI_DEFAULTS (oob keepalive, no job teardown on a killed rank) that the user did
   * not set.
   */
  launchCommand(workers, argv) {
    const [launcher = 'mpiexec', ...given] = (process.env.FUTURES_MPIEXEC ?? '').split(/\s+/).filter(Boolean);
    const ranks = workers + 1;
    // Open MPI 4 says "mpiexec (OpenRTE) 4.1.4"; Open MPI 5 (PRRTE) has other parameter names.
    const mca = /OpenRTE/.test(launcherVersion(launcher)) ? openMpiDefaults(process.env, given) : [];
    return [launcher, ...given, '-n', String(ranks), ...oversubscribeFlag(launcher, ranks), ...mca, ...argv];
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
