import { spawnSync } from 'node:child_process';
import { PoolExecutor, type PoolExecutorOptions } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { MpiUnavailableError } from '../src/errors.js';
import { cliHooks, commExecutor, futuresTransport, launcherWorld, mpi, splitWorld } from '../src/index.js';
import { loadNative } from '../src/native.js';
import { optionsFromEnv } from '../src/static-mode.js';
import { HAS_MPI, NO_MPI_REASON } from './support/processes.js';

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

describe('CLI hooks', () => {
  it('launchCommand starts N workers, N + 1 ranks, with mpiexec (or FUTURES_MPIEXEC)', () => {
    expect(cliHooks.launchCommand!(1, ['futures', 'run', 'app.js'])).toEqual([
      'mpiexec',
      '-n',
      '2',
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
    process.env.FUTURES_MPIEXEC = 'srun';
    try {
      expect(cliHooks.launchCommand!(1, ['node', 'x.js'])).toEqual(['srun', '-n', '2', 'node', 'x.js']);
    } finally {
      delete process.env.FUTURES_MPIEXEC;
    }
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
