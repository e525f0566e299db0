import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_MPI, leftBehind, mpiexec, NO_MPI_REASON, newTag, PKG_DIR, run } from './support/processes.js';

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
  expect(await leftBehind(tag)).toEqual([]);
}

describe.skipIf(why !== '')(`futures run --transport=mpi${why ? ` (${why})` : ''}`, () => {
  it('futures run --transport=mpi -n 2 app.js: 2 workers, as on every transport (the CLI starts mpiexec -n 3)', () =>
    check('node', [CLI, 'run', '--transport=mpi', '-n', '2', 'test/runners/cli-app.mjs']));

  it('Ctrl-C of futures run --transport=mpi -n 2 exits 130, as on shm and zmq; no rank is left', async () => {
    const tag = newTag();
    let sent = false;
    const r = await run(
      'node',
      [CLI, 'run', '--transport=mpi', '-n', '2', 'test/runners/exit-paths.mjs', 'sigint'],
      {
        env: { FUTURES_TEST_TAG: tag },
        timeoutMs: 120_000,
        onStdout: (text, child) => {
          if (!sent && text.includes('READY')) {
            sent = true;
            child.kill('SIGINT'); // to the CLI, which forwards it to mpiexec
          }
        },
      },
    );
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(await leftBehind(tag)).toEqual([]);
  });

  it("output piped from futures run --transport=mpi has no colour codes (ranks get Open MPI's pseudo-terminal)", async () => {
    const r = await run('node', [CLI, 'run', '--transport=mpi', '-n', '1', 'test/runners/colour.mjs'], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("{ answer: 42, text: 'plain' }");
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('mpiexec -n 3 futures run app.js: the same job started by hand', () => {
    const [cmd, args] = mpiexec(3, ['node', CLI, 'run', '--transport=mpi', 'test/runners/cli-app.mjs']);
    return check(cmd, args);
  });
});
