import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alive } from '@futures/core/conformance';
import { describe, expect, it } from 'vitest';
import { HAS_MPI, leftBehind, NO_MPI_REASON, newTag, run } from './support/processes.js';

// Chaos on MPI: a dead rank cannot be replaced, so the run must break cleanly. 2,000 tasks at
// once with retries: 3 on 2 ranks, 2% of which exit their rank the first time they run: every
// future settles (its right value, or BrokenExecutorError), nothing hangs, the program ends by
// itself, and no process it started (ranks, Open MPI's daemon) is left.

interface Outcome {
  ms: number;
  fulfilled: number;
  wrong: number;
  errors: Record<string, number>;
  later: string;
  pids: number[];
}

describe.skipIf(!HAS_MPI)(`chaos${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('spawn mode, 2,000 tasks, 2% exit their rank: every future settles, the executor breaks, nothing is left', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpi-chaos-'));
    try {
      const tag = newTag();
      const r = await run('node', ['test/fixtures/chaos-runner.mjs', dir], {
        env: { FUTURES_TEST_TAG: tag },
        timeoutMs: 90_000,
      });
      expect(r.signal, r.stderr).toBeNull(); // ended by itself, not by the timeout
      expect(r.code, r.stderr).toBe(0);
      const out = r.json as Outcome;
      expect(out.wrong).toBe(0);
      const broken = out.errors.BrokenExecutorError ?? 0;
      expect(out.fulfilled + broken, JSON.stringify(out)).toBe(2000);
      expect(out.fulfilled).toBeGreaterThan(0); // the first death is item 49: work was done before it
      expect(broken).toBeGreaterThan(0); // the first death broke it: the rest of the queue failed
      expect(fs.readdirSync(dir).length).toBeGreaterThan(0); // a task did exit its rank
      expect(out.later).toBe('BrokenExecutorError');
      expect(out.pids).toHaveLength(2);
      expect(await leftBehind(tag)).toEqual([]);
      expect(out.pids.filter(alive)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
