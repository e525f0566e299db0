import { alive } from '@futures/core/conformance';
import { describe, expect, it } from 'vitest';
import { HAS_MPI, leftBehind, mpiexec, NO_MPI_REASON, newTag, run } from './support/processes.js';

// A dead rank: the executor breaks (futures settle with BrokenExecutorError), the program
// ends instead of hanging, and nothing it started is left behind. Each case runs in its own
// process: after a rank died, MPI cannot be finalized in that process.

interface Settled {
  phase: 'settled';
  ms: number;
  errors: { name: string; message: string }[];
  later: string | null;
  pids: number[];
}

describe.skipIf(!HAS_MPI)(`worker loss${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('spawn mode: a killed worker breaks the executor at once; the program ends; no process is left', async () => {
    const tag = newTag();
    const r = await run('node', ['test/runners/worker-loss.mjs'], {
      env: { FUTURES_TEST_TAG: tag },
      timeoutMs: 90_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    const out = r.json as Settled;
    expect(out.phase).toBe('settled');
    expect(out.errors).toHaveLength(2);
    for (const e of out.errors) {
      expect(e?.name).toBe('BrokenExecutorError');
      expect(e?.message).toMatch(/MPI worker \d+ \(rank \d+, pid \d+\) was lost/);
    }
    expect(out.later).toBe('BrokenExecutorError');
    expect(out.ms).toBeLessThan(10_000); // noticed by pid watch, not by the 30 s heartbeat timeout
    expect(await leftBehind(tag)).toEqual([]);
    expect(out.pids.filter(alive)).toEqual([]);
  });

  it('static mode: a killed server rank ends the whole job with a message; no process is left', async () => {
    const tag = newTag();
    const [cmd, args] = mpiexec(3, ['node', 'dist/run.js', 'test/runners/worker-loss.mjs']);
    const r = await run(cmd, args, { env: { FUTURES_TEST_TAG: tag }, timeoutMs: 90_000 });
    expect(r.signal).toBeNull(); // ended by itself, not by our timeout
    // Either the futures failed first (our message), or mpiexec tore the job down (its message).
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/was lost|exited on signal 9|terminated/);
    expect(r.stdout).toContain('"phase":"killed"');
    expect(await leftBehind(tag)).toEqual([]);
  });
});

interface Death {
  ms: number;
  first: { name?: string; message?: string; value?: string };
  second: { name?: string; message?: string };
}

/**
 * Runs a worker-death program (tagged), checks nothing it started is left, and returns
 * what it printed. `launched`: under mpiexec, which ends the job itself after a rank died.
 */
async function death(
  cmd: string,
  args: string[],
  launched: boolean,
): Promise<{ out: Death; output: string }> {
  const tag = newTag();
  const r = await run(cmd, args, { env: { FUTURES_TEST_TAG: tag }, timeoutMs: 90_000 });
  if (launched) expect(r.signal).toBeNull();
  else expect(r.code, r.stderr).toBe(0);
  expect(await leftBehind(tag)).toEqual([]);
  const out = r.json as Death;
  expect(out?.ms, r.stdout + r.stderr).toBeLessThan(5000); // not the 10 s of a rank that waits for MPI_Finalize
  return { out, output: r.stdout + r.stderr };
}

const EXITED_3 = /was lost: its process \(pid \d+\) exited with code 3/;

// A worker that dies by itself tells its controller why before it exits: the executor
// breaks at once (it took ~10 s when the dying rank waited for MPI_Finalize), naming the
// exit code or the uncaught error.
describe.skipIf(!HAS_MPI)(`a worker that dies by itself${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('spawn mode, process.exit(3) in a task: BrokenExecutorError naming the code, at once; nothing is left', async () => {
    const { out } = await death('node', ['test/runners/worker-death.mjs', 'exit'], false);
    for (const e of [out.first, out.second]) {
      expect(e.name).toBe('BrokenExecutorError');
      expect(e.message).toMatch(
        /MPI worker \d+ \(rank \d+, pid \d+\) was lost: its process \(pid \d+\) exited with code 3/,
      );
    }
  });

  it('spawn mode, an uncaught error in a worker: BrokenExecutorError with its class, message and stack', async () => {
    const { out } = await death('node', ['test/runners/worker-death.mjs', 'throw'], false);
    expect(out.first.value).toBe('returned'); // the task itself returned before its timer threw
    expect(out.second.name).toBe('BrokenExecutorError');
    expect(out.second.message).toMatch(/died of an uncaught RangeError: boom in a timer\n\s+at .*tasks\.mjs/);
  });

  it('static mode, process.exit(3) in a task: rank 0 reports the code before the launcher ends the job', async () => {
    const [cmd, args] = mpiexec(3, ['node', 'dist/run.js', 'test/runners/worker-death.mjs', 'exit']);
    const { out, output } = await death(cmd, args, true);
    expect(out.second?.message, output).toMatch(EXITED_3);
  });

  it('comm executor, process.exit(3) in a task on a serving rank: the root reports the code', async () => {
    const [cmd, args] = mpiexec(3, ['node', 'test/runners/comm-death.mjs']);
    const { out, output } = await death(cmd, args, true);
    expect(out.second?.message, output).toMatch(EXITED_3);
  });
});

describe.skipIf(!HAS_MPI)(`no orphaned ranks${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  const cases: [string, number][] = [
    ['idle', 0],
    ['throw', 1],
    ['exit', 3],
    ['busy', 4],
  ];
  for (const [how, code] of cases) {
    it(`the controller ends by "${how}": its workers and MPI daemons end too`, async () => {
      const tag = newTag();
      const r = await run('node', ['test/runners/exit-paths.mjs', how], {
        env: { FUTURES_TEST_TAG: tag },
        timeoutMs: 90_000,
      });
      expect(r.code, r.stderr).toBe(code);
      const { pids } = r.json as { pids: number[] };
      expect(pids).toHaveLength(2);
      expect(await leftBehind(tag)).toEqual([]);
      expect(pids.filter(alive)).toEqual([]);
    });
  }

  it('Ctrl-C (SIGINT to the process group) leaves no worker behind', async () => {
    const tag = newTag();
    let sent = false;
    const r = await run('node', ['test/runners/exit-paths.mjs', 'sigint'], {
      env: { FUTURES_TEST_TAG: tag },
      timeoutMs: 90_000,
      onStdout: (text, child) => {
        if (!sent && text.includes('READY')) {
          sent = true;
          process.kill(-child.pid!, 'SIGINT'); // what a terminal does: the whole foreground group
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.signal).toBe('SIGINT');
    const { pids } = JSON.parse(r.stdout.split('\n')[0]!) as { pids: number[] };
    expect(await leftBehind(tag)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
  });
});
