import { describe, expect, it } from 'vitest';
import { HAS_MPI, leftBehind, NO_MPI_REASON, newTag, run } from './support/processes.js';

// MPI cannot cancel MPI_Comm_spawn: when a worker never finishes MPI_Init (Open MPI 4.1 with
// PMIx 4.2 does this now and then), the executor must still settle its futures, say why,
// kill what it started, and let the program end. Runs in its own process: afterwards MPI
// is unusable there.

interface Outcome {
  first: { name: string; code: string; cause: string; message: string } | null;
  second: { name: string; code: string; cause: string; message: string } | null;
  ms: number;
}

describe.skipIf(!HAS_MPI)(`spawn timeout${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('a spawn that never completes fails the futures with MpiSpawnTimeoutError; the program ends; nothing is left', async () => {
    const tag = newTag();
    const r = await run('node', ['test/runners/spawn-timeout.mjs'], {
      env: { FUTURES_TEST_TAG: tag },
      timeoutMs: 90_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    const out = r.json as Outcome;
    expect(out.first?.name).toBe('BrokenExecutorError');
    expect(out.first?.cause).toBe('MpiSpawnTimeoutError');
    expect(out.first?.message).toMatch(/did not complete within 3000 ms \(killed 2 of its processes/);
    expect(out.ms).toBeGreaterThanOrEqual(3000);
    // MPI is stuck in that spawn: the next executor fails at once with the same cause
    expect(out.second?.name).toBe('BrokenExecutorError');
    expect(out.second?.cause).toBe('MpiSpawnTimeoutError');
    expect(r.stderr).toMatch(/exiting without MPI_Finalize/);
    expect(await leftBehind(tag)).toEqual([]);
  });
});
