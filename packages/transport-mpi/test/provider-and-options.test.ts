import { spawnSync } from 'node:child_process';
import { FuturesError, PoolExecutor, type PoolExecutorOptions } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { MpiUnavailableError } from '../src/errors.js';
import { cliHooks, commExecutor, futuresTransport, launcherWorld, mpi, splitWorld } from '../src/index.js';
import { loadNative } from '../src/native.js';
import { openMpiDefaults } from '../src/provider.js';
import { optionsFromEnv } from '../src/static-mode.js';
import { HAS_MPI, NO_MPI_REASON } from './support/processes.js';

/** The variables launchCommand reads, unset (a developer's own OMPI_MCA_* must not change the expectations). */
const MCA_UNSET: Record<string, undefined> = {
  FUTURES_MPIEXEC: undefined,
  OMPI_MCA_oob_tcp_keepalive_time: undefined,
  OMPI_MCA_oob_tcp_keepalive_intvl: undefined,
  OMPI_MCA_oob_tcp_keepalive_probes: undefined,
  OMPI_MCA_orte_abort_on_non_zero_status: undefined,
  OMPI_MCA_orte_enable_recovery: undefined,
};

/** Runs `fn` with these environment variables set (undefined: unset), then restores them. */
function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    fn();
  } finally {
    apply(saved);
  }
}

describe('without the addon', () => {
  it('fails at use with what to install, not at import', async () => {
    // (the addon is cached once loaded: this runs first in this file's process)
    const saved = process.env.FUTURES_MPI_ADDON;
    process.env.FUTURES_MPI_ADDON = '/nonexistent/futures_mpi.node';
    try {
      const unavailable: unknown = (() => {
        try {
          return loadNative();
        } catch (error) {
          return error;
        }
      })();
      expect(unavailable).toBeInstanceOf(MpiUnavailableError);
      expect(unavailable).toBeInstanceOf(FuturesError);
      expect((unavailable as FuturesError).code).toBe('ERR_FUTURES_MPI_UNAVAILABLE');
      // what a user of the package runs (not a command of this repository), pnpm's approval included
      const message = (unavailable as Error).message;
      expect(message).toMatch(/libopenmpi-dev/);
      expect(message).toMatch(/npm rebuild @futures\/transport-mpi, or pnpm rebuild @futures\/transport-mpi/);
      expect(message).toMatch(/pnpm approve-builds/);
      expect(message).not.toMatch(/--filter|build:native/);
      const pool = new PoolExecutor({ transport: mpi(), maxWorkers: 1 });
      const error = await pool.bootup().catch((e: unknown) => e);
      expect(String((error as Error).message) + String((error as Error).cause)).toMatch(/libopenmpi-dev/);
      const info = await cliHooks.info!();
      expect(info.ok).toBe(false);
      expect(info.lines.join('\n')).toMatch(/pnpm rebuild @futures\/transport-mpi/);
    } finally {
      if (saved === undefined) delete process.env.FUTURES_MPI_ADDON;
      else process.env.FUTURES_MPI_ADDON = saved;
    }
  });
});

describe('options', () => {
  it('invalid options are TypeError/RangeError naming the option', () => {
    expect(() => mpi({ backoff: -1 })).toThrow(RangeError);
    expect(() => mpi({ backoff: -1 })).toThrow(/backoff/);
    expect(() => mpi({ mpiMode: 'dynamic' as 'spawn' })).toThrow(/mpiMode.*auto, spawn, static/);
    expect(() => mpi({ heartbeatTimeout: 1.5 })).toThrow(TypeError);
    expect(() => mpi({ spawnTimeout: -5 })).toThrow(RangeError);
    expect(() => mpi({ spawnTimeout: -5 })).toThrow(/spawnTimeout/);
    expect(() => mpi({ spawnInfo: { host: 3 } as unknown as Record<string, string> })).toThrow(/spawnInfo/);
    expect(() => mpi({ nope: 1 } as never)).toThrow(/unknown option "nope"/);
    expect(mpi({ backoff: 0.5, mpiMode: 'spawn' }).name).toBe('mpi');
  });

  it('PoolExecutor accepts the transport options (typed in core, no import of this package needed)', () => {
    const options: PoolExecutorOptions = {
      transport: 'mpi',
      maxWorkers: 2,
      backoff: 2,
      mpiMode: 'spawn',
      heartbeatTimeout: 0,
      spawnTimeout: 120_000,
    };
    expect(options.backoff).toBe(2);
  });

  it('reads FUTURES_MPI_<OPTION>, the old unambiguous names with a warning, and refuses FUTURES_HEARTBEAT_TIMEOUT', () => {
    expect(optionsFromEnv({ FUTURES_MPI_BACKOFF: '0.25', FUTURES_MPI_MODE: 'spawn' })).toMatchObject({
      backoff: 0.25,
      mpiMode: 'spawn',
      heartbeatTimeout: 30_000,
    });
    expect(optionsFromEnv({ FUTURES_SPAWN_TIMEOUT: '5000' }).spawnTimeout).toBe(5000);
    expect(() => optionsFromEnv({ FUTURES_HEARTBEAT_TIMEOUT: '100' })).toThrow(
      /FUTURES_HEARTBEAT_TIMEOUT is no longer read.*FUTURES_MPI_HEARTBEAT_TIMEOUT/,
    );
    expect(optionsFromEnv({ FUTURES_MPI_HEARTBEAT_TIMEOUT: '100' }).heartbeatTimeout).toBe(100);
    expect(() => optionsFromEnv({ FUTURES_MPI_BACKOFF: 'soon' })).toThrow(
      /backoff \(from environment variable FUTURES_MPI_BACKOFF\) must be a number/,
    );
  });

  it('the provider declares its options for env/config validation', () => {
    expect(futuresTransport.name).toBe('mpi');
    expect(Object.keys(futuresTransport.optionSpecs).sort()).toEqual([
      'backoff',
      'heartbeatTimeout',
      'mpiMode',
      'oversubscribe',
      'spawnInfo',
      'spawnTimeout',
    ]);
    expect(futuresTransport.factory({ backoff: 2 }).name).toBe('mpi');
  });

  it('comm executors reject a bad root before any MPI call', async () => {
    await expect(commExecutor({ root: -1 })).rejects.toThrow(RangeError);
    await expect(commExecutor({ root: 1.5 })).rejects.toThrow(RangeError);
    expect(() => splitWorld(-2)).toThrow(RangeError);
  });
});

/** What Open MPI 4 (OpenRTE) gets by default: oob keepalive, and no teardown on a killed rank. */
const OPEN_MPI_DEFAULTS = [
  '--mca',
  'oob_tcp_keepalive_time',
  '5',
  '--mca',
  'oob_tcp_keepalive_intvl',
  '3',
  '--mca',
  'oob_tcp_keepalive_probes',
  '11',
  '--mca',
  'orte_abort_on_non_zero_status',
  '0',
];

describe('CLI hooks', () => {
  it('launchCommand starts N workers, N + 1 ranks, with mpiexec (or FUTURES_MPIEXEC)', () => {
    // Open MPI 4 ("mpiexec (OpenRTE) 4.1.4") also gets oob keepalive and no teardown on a killed rank
    const openRte = /OpenRTE/.test(spawnSync('mpiexec', ['--version'], { encoding: 'utf8' }).stdout ?? '');
    const defaults = openRte ? OPEN_MPI_DEFAULTS : [];
    withEnv(MCA_UNSET, () => {
      expect(cliHooks.launchCommand!(1, ['futures', 'run', 'app.js'])).toEqual([
        'mpiexec',
        '-n',
        '2',
        ...defaults,
        'futures',
        'run',
        'app.js',
      ]);
      // more ranks than cores on a workstation: Open MPI's mpiexec must be told to oversubscribe
      const many = cliHooks.launchCommand!(10_000, ['node', 'x.js'])!;
      expect(many.slice(0, 3)).toEqual(['mpiexec', '-n', '10001']);
      const openMpi = /Open MPI|OpenRTE/.test(
        spawnSync('mpiexec', ['--version'], { encoding: 'utf8' }).stdout ?? '',
      );
      expect(many.includes('--oversubscribe')).toBe(openMpi);
      expect(many.slice(-2)).toEqual(['node', 'x.js']);
    });
    withEnv({ ...MCA_UNSET, FUTURES_MPIEXEC: 'srun' }, () => {
      expect(cliHooks.launchCommand!(1, ['node', 'x.js'])).toEqual(['srun', '-n', '2', 'node', 'x.js']);
    });
    // FUTURES_MPIEXEC may be a command line: its options come first, and the user's own
    // settings win over the defaults
    withEnv({ ...MCA_UNSET, FUTURES_MPIEXEC: 'mpiexec --mca oob_tcp_keepalive_time 60' }, () => {
      expect(cliHooks.launchCommand!(1, ['node', 'x.js'])).toEqual([
        'mpiexec',
        '--mca',
        'oob_tcp_keepalive_time',
        '60',
        '-n',
        '2',
        ...(openRte ? ['--mca', 'orte_abort_on_non_zero_status', '0'] : []),
        'node',
        'x.js',
      ]);
    });
  });

  it('the Open MPI defaults leave alone what the user set (environment or launcher arguments)', () => {
    const all = OPEN_MPI_DEFAULTS;
    const abortOnly = ['--mca', 'orte_abort_on_non_zero_status', '0'];
    expect(openMpiDefaults({})).toEqual(all);
    // any keepalive setting leaves all three to the user
    expect(openMpiDefaults({ OMPI_MCA_oob_tcp_keepalive_probes: '4' })).toEqual(abortOnly);
    expect(openMpiDefaults({}, ['-mca', 'oob_tcp_keepalive_intvl', '1'])).toEqual(abortOnly);
    expect(openMpiDefaults({ OMPI_MCA_orte_abort_on_non_zero_status: '1' })).toEqual(all.slice(0, 9));
    expect(openMpiDefaults({}, ['--enable-recovery'])).toEqual(all.slice(0, 9));
    expect(openMpiDefaults({}, ['--mca', 'orte_abort_on_non_zero_status', '1'])).toEqual(all.slice(0, 9));
    // a value that happens to equal a name is not a setting
    expect(openMpiDefaults({}, ['--hostfile', 'oob_tcp_keepalive_time'])).toEqual(all);
  });

  it('reads the launcher from the environment: a singleton is no server', () => {
    expect(launcherWorld({})).toBeNull();
    expect(launcherWorld({ OMPI_COMM_WORLD_RANK: '2', OMPI_COMM_WORLD_SIZE: '4' })).toMatchObject({
      rank: 2,
      size: 4,
    });
    expect(launcherWorld({ PMI_RANK: '0', PMI_SIZE: '3' })).toMatchObject({ rank: 0, size: 3 });
    expect(launcherWorld({ SLURM_PROCID: '5', SLURM_NTASKS: '8' })).toMatchObject({ rank: 5, size: 8 });
    if (launcherWorld() === null) expect(cliHooks.isServerProcess!()).toBe(false);
  });

  it.skipIf(!HAS_MPI)(`info() names the MPI library${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, async () => {
    const info = await cliHooks.info!();
    expect(info.ok).toBe(true);
    expect(info.lines.join('\n')).toMatch(/MPI: (Open MPI|MPICH)/);
  });
});
