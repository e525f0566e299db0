/**
 * Where a controller's workers come from: spawned ranks (MPI_Comm_spawn), the static ranks
 * 1..N-1 of `futures run`, or the other ranks of a comm executor. Each opens (or reuses) a
 * channel and ends what it opened once the executor stops.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type TransportContext, workerEntryUrl, workerLaunch } from '@futures/core/transport';
import type { Engine, ReadyInfo } from './engine.js';
import { MpiError, MpiSpawnTimeoutError } from './errors.js';
import { Ctrl } from './native.js';
import type { ResolvedMpiOptions } from './options.js';
import { nextSession } from './worker-channel.js';

export interface Opened {
  channel: number;
  /** The ranks (in the channel's communicator) that serve this executor. */
  workers: number[];
  session: number;
  /**
   * Worker id = rank + idOffset: spawned workers are 1..n (rank + 1); static servers keep
   * their world rank (1..N-1); a comm executor's workers their rank in its communicator.
   */
  idOffset: number;
}

export interface Target {
  readonly mode: 'spawn' | 'static' | 'comm';
  open(engine: Engine, ctx: TransportContext, options: ResolvedMpiOptions): Promise<Opened>;
  /** After the workers said bye (or at once with `force`). */
  close(engine: Engine, opened: Opened, force: boolean): Promise<void>;
}

/** What a spawned worker process needs to know (passed as one JSON argument). */
export interface SpawnedWorkerConfig {
  runtimeUrl: string;
  backoff: number;
  heartbeatTimeout: number;
  /** Unique per spawn: finds its processes when the spawn never completes (never read by the worker). */
  spawnId: string;
}

export const WORKER_ENTRY = fileURLToPath(workerEntryUrl(import.meta.url));

/**
 * How many workers spawn mode starts when the user did not say (as mpi4py.futures): the
 * slots the MPI universe has left beyond this job's own ranks, at least one; where the MPI
 * sets no universe size, core's default (`fallback`, the available parallelism).
 */
export function defaultSpawnCount(info: Pick<ReadyInfo, 'universeSize' | 'size'>, fallback: number): number {
  if (info.universeSize === null) return fallback;
  return Math.max(1, info.universeSize - info.size);
}

/** Kills this host's processes whose command line carries `spawnId`; returns how many. */
function killSpawned(spawnId: string): number {
  let killed = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0; // no /proc: nothing to find them by
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(spawnId)) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}

/** How long a shut-down executor waits for its spawned processes to exit before killing them (ms). */
const EXIT_WAIT_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie (exited, not yet reaped by Open MPI's daemon) counts as gone
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc: kill(0) said it exists
  }
}

/**
 * Resolves once none of `pids` is alive. These are not our children (Open MPI's daemon
 * started them), so there is no exit event to wait on: this polls, briefly. Whatever is
 * left after `ms` is killed.
 */
async function untilExited(pids: readonly number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    left = left.filter(alive);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

export const spawnTarget: Target = {
  mode: 'spawn',
  async open(engine, ctx, options) {
    const config: SpawnedWorkerConfig = {
      runtimeUrl: ctx.workerRuntimeUrl,
      backoff: options.backoff,
      heartbeatTimeout: options.heartbeatTimeout,
      spawnId: randomUUID(),
    };
    const count = ctx.maxWorkersExplicit
      ? ctx.maxWorkers
      : defaultSpawnCount(await engine.ready, ctx.maxWorkers);
    // Core owns env and cwd (the runtime applies them at init); the spawn only starts the
    // process in the same directory, with the flags a worker may inherit (workerLaunch).
    const launch = workerLaunch(ctx, 'process');
    const argv = [...launch.execArgv, WORKER_ENTRY, JSON.stringify(config)];
    const info: [string, string][] = Object.entries(options.spawnInfo);
    if (ctx.cwd !== null && options.spawnInfo.wdir === undefined) info.push(['wdir', launch.cwd]);
    const opened = await engine.request(
      'channelOpen',
      (t) => engine.native.spawn(t, process.execPath, argv, count, info),
      undefined,
      {
        ms: options.spawnTimeout,
        onTimeout: () => {
          const killed = killSpawned(config.spawnId);
          return new MpiSpawnTimeoutError(
            `futures: MPI_Comm_spawn of ${count} workers did not complete within ${options.spawnTimeout} ms ` +
              `(killed ${killed} of its processes that never finished MPI_Init). MPI cannot cancel a spawn: ` +
              'MPI is unusable in this process until it exits. Open MPI 4.1 with PMIx 4.2 is known to hang ' +
              'in spawn now and then; static mode (mpiexec -n N futures run app.js) does not spawn. For a ' +
              'spawn that is merely slow, raise the spawnTimeout option.',
          );
        },
      },
    );
    if (opened.error !== undefined) {
      throw new MpiError(
        `futures: ${opened.error}. Fix: check that ${count} more processes may start here (Open MPI: ` +
          'OMPI_MCA_rmaps_base_oversubscribe=1 or a hostfile with enough slots; under Slurm, spawn needs free slots in ' +
          'the allocation, otherwise use static mode: mpiexec -n N futures run app.js).',
      );
    }
    const workers: number[] = [];
    for (let r = 0; r < opened.size; r++) workers.push(r);
    return { channel: opened.channel, workers, session: 1, idOffset: 1 };
  },
  async close(engine, opened) {
    // kTerminate to every worker, then MPI_Comm_disconnect (both sides); a channel whose rank
    // died is abandoned instead (the native side knows). Then wait until the spawned
    // processes on this host have exited: a shut-down executor leaves no process behind,
    // and the next spawn does not overlap this job's teardown in Open MPI's daemon.
    const pids = engine.peers.localPids(opened.channel);
    await engine.request('channelClosed', (t) => engine.native.closeChannel(t, opened.channel, true));
    engine.unlisten(opened.channel);
    // After a rank died the others were not told to end (MPI cannot end that job cleanly).
    await untilExited(pids, engine.poisoned(opened.channel) ? 0 : EXIT_WAIT_MS);
  },
};

const WORLD = Symbol.for('@futures/transport-mpi/static-world');
type WorldHolder = { [WORLD]?: Promise<{ channel: number; rank: number; size: number }> };

/** The static-mode channel over MPI_COMM_WORLD, opened once per process. */
export function staticWorld(
  engine: Engine,
  server: boolean,
): Promise<{ channel: number; rank: number; size: number }> {
  const g = globalThis as WorldHolder;
  g[WORLD] ??= (async () => {
    await engine.ready;
    const opened = await engine.request('channelOpen', (t) => engine.native.openWorld(t, server));
    if (opened.error !== undefined) throw new MpiError(`futures: ${opened.error}`);
    return { channel: opened.channel, rank: opened.localRank, size: opened.size };
  })();
  return g[WORLD];
}

/**
 * The ranks an executor of `session` uses among `candidates`: at most maxWorkers of them,
 * starting at a different rank for each session so that executors open at once spread out.
 */
function pick(candidates: number[], maxWorkers: number, session: number): number[] {
  const n = Math.min(Math.max(1, maxWorkers), candidates.length);
  const start = ((session - 1) * n) % candidates.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(candidates[(start + i) % candidates.length]!);
  return out.sort((a, b) => a - b);
}

async function closeSession(engine: Engine, opened: Opened, force: boolean): Promise<void> {
  if (!force) return;
  // The workers keep serving other executors: only this session is dropped.
  for (const w of opened.workers) engine.control(opened.channel, w, Ctrl.SessionClose, opened.session);
}

export const staticTarget: Target = {
  mode: 'static',
  async open(engine, ctx) {
    const world = await staticWorld(engine, false);
    const ranks: number[] = [];
    for (let r = 1; r < world.size; r++) ranks.push(r);
    const session = nextSession();
    return { channel: world.channel, workers: pick(ranks, ctx.maxWorkers, session), session, idOffset: 0 };
  },
  close: closeSession,
};

/** A comm executor's root: the channel was opened collectively by commExecutor(). */
export function commTarget(channel: number, root: number, size: number): Target {
  return {
    mode: 'comm',
    async open(_engine, ctx) {
      const ranks: number[] = [];
      for (let r = 0; r < size; r++) if (r !== root) ranks.push(r);
      const session = nextSession();
      return { channel, workers: pick(ranks, ctx.maxWorkers, session), session, idOffset: 0 };
    },
    close: closeSession,
  };
}
