import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSpawnCount } from '../src/targets.js';
import { HAS_MPI, leftBehind, mpiexec, NO_MPI_REASON, newTag, run } from './support/processes.js';

// How many workers spawn mode starts when the program does not say. Its own file: this test
// process must not be an MPI singleton itself (the mpiexec it starts would inherit its job).

it("without maxWorkers, the universe size less the job's own ranks (as mpi4py.futures)", () => {
  expect(defaultSpawnCount({ universeSize: 5, size: 1 }, 16)).toBe(4);
  expect(defaultSpawnCount({ universeSize: 3, size: 3 }, 16)).toBe(1); // at least one
  expect(defaultSpawnCount({ universeSize: null, size: 1 }, 16)).toBe(16); // no universe: core's default
});

describe.skipIf(!HAS_MPI)(
  `mpi spawn: how many workers by default${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`,
  () => {
    it('under mpiexec with a 5-slot hostfile, an executor without maxWorkers spawns 4 workers', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-mpi-hostfile-'));
      const hostfile = path.join(dir, 'hosts');
      const openMpi = /Open MPI|OpenRTE/.test(
        spawnSync(mpiexec(1, [])[0], ['--version'], { encoding: 'utf8' }).stdout ?? '',
      );
      fs.writeFileSync(hostfile, openMpi ? 'localhost slots=5\n' : 'localhost:5\n');
      try {
        const [cmd, args] = mpiexec(1, [
          openMpi ? '--hostfile' : '-f',
          hostfile,
          'node',
          'test/runners/default-workers.mjs',
        ]);
        const tag = newTag();
        const r = await run(cmd, args, { env: { FUTURES_TEST_TAG: tag }, timeoutMs: 90_000 });
        expect(r.code, r.stderr).toBe(0);
        expect(r.json).toEqual({ numWorkers: 4, stats: 4, pids: 4 });
        // an explicit count wins over the universe
        const e = await run(cmd, args, {
          env: { FUTURES_TEST_TAG: tag, FUTURES_MAX_WORKERS: '2' },
          timeoutMs: 90_000,
        });
        expect(e.code, e.stderr).toBe(0);
        expect(e.json).toEqual({ numWorkers: 2, stats: 2, pids: 2 });
        expect(await leftBehind(tag)).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
