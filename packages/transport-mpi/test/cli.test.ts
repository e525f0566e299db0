import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HAS_MPI,
  mpiexec,
  NO_MPI_REASON,
  newTag,
  PKG_DIR,
  run,
  taggedProcesses,
  untilGone,
} from './support/processes.js';

// Static mode through the real `futures` command (packages/cli), both ways of starting it.
const CLI = path.join(PKG_DIR, '..', 'cli', 'dist', 'bin.js');
const HAS_CLI = fs.existsSync(CLI);
const why = !HAS_MPI ? NO_MPI_REASON : !HAS_CLI ? `the futures CLI is not built (${CLI})` : '';
if (why !== '' && process.env.FUTURES_REQUIRE_MPI === '1') throw new Error(`FUTURES_REQUIRE_MPI=1: ${why}`);

interface AppOutput {
  transport: string;
  workers: number;
  pids: number[];
  me: number;
  sizes: number[];
}

async function check(cmd: string, args: string[]): Promise<void> {
  const tag = newTag();
  const r = await run(cmd, args, { env: { FUTURES_TEST_TAG: tag }, timeoutMs: 120_000 });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const out = r.json as AppOutput;
  expect(out.transport).toBe('mpi');
  expect(out.workers).toBe(2); // ranks 1 and 2 serve rank 0
  expect(out.pids).toHaveLength(2);
  expect(out.pids).not.toContain(out.me);
  expect(out.sizes).toEqual([2, 2]); // the workers' communicator has both servers
  expect(await untilGone(() => taggedProcesses(tag))).toEqual([]);
}

describe.skipIf(why !== '')(`futures run --transport=mpi${why ? ` (${why})` : ''}`, () => {
  it('futures run --transport=mpi -n 3 app.js: the CLI starts mpiexec; rank 0 runs the program', () =>
    check('node', [CLI, 'run', '--transport=mpi', '-n', '3', 'test/runners/cli-app.mjs']));

  it('mpiexec -n 3 futures run app.js: the same job started by hand', () => {
    const [cmd, args] = mpiexec(3, ['node', CLI, 'run', '--transport=mpi', 'test/runners/cli-app.mjs']);
    return check(cmd, args);
  });
});
