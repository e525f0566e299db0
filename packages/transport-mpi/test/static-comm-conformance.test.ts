import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_MPI, leftBehind, mpiexec, NO_MPI_REASON, newTag, run } from './support/processes.js';

// Static and comm modes need this process's executors to live in rank 0 of an MPI job, which
// a vitest worker cannot be. So each mode runs the conformance suite in an inner vitest that
// is rank 0 of `mpiexec -n 3` (test/mpi/rank0-vitest.mjs: ranks 1-2 serve), and this test
// checks its JSON report, its exit, and that nothing it started is left running.

interface Report {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  success: boolean;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

async function runInnerSuite(mode: 'static' | 'comm'): Promise<void> {
  const tag = newTag();
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fmpi-')), 'report.json');
  const [cmd, args] = mpiexec(3, ['node', 'test/mpi/rank0-vitest.mjs', mode, out]);
  const r = await run(cmd, args, { env: { FUTURES_TEST_TAG: tag }, timeoutMs: 300_000 });
  const report = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as Report) : null;
  const failures = (report?.testResults ?? [])
    .flatMap((f) => f.assertionResults)
    .filter((a) => a.status === 'failed')
    .map((a) => `${a.fullName}: ${a.failureMessages.join('\n').slice(0, 500)}`);
  expect(failures, `inner ${mode} suite failures`).toEqual([]);
  expect(
    report,
    `no report; exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
  ).not.toBeNull();
  expect(report!.numPassedTests).toBeGreaterThanOrEqual(40);
  expect(report!.success).toBe(true);
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
  // mpiexec, its daemon and all three ranks are gone.
  expect(await leftBehind(tag)).toEqual([]);
}

describe.skipIf(!HAS_MPI)(`conformance under mpiexec${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('static mode: rank 0 runs the program, ranks 1..N-1 serve every executor', () =>
    runInnerSuite('static'));
  it('comm executors: every rank joins; the root gets the executors, the others serve', () =>
    runInnerSuite('comm'));
});
