import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, FIXTURES, start } from './support/cli.js';

const LIVE_LINE =
  /^futures: 300\/300 done, 0 failed \| [\d.]+ tasks\/s \| queue 0, running 0 \| 2 workers, util \d+% \(w1 \d+% w2 \d+%\) \| [\d.]+s$/m;
const FINAL_LINE =
  /^futures: shm executor finished 300 tasks \(300 ok, 0 failed, 0 cancelled\) in [\d.]+s, [\d.]+ tasks\/s$/m;

describe('futures run --progress when stderr is not a terminal', () => {
  it.each([
    ['shuts down', []],
    ['exits without shutting down', ['no-shutdown']],
  ])('prints plain progress lines and a final summary when the program %s', async (_what, extra) => {
    const run = start(BIN, [
      'run',
      '--transport=shm',
      '-n',
      '2',
      '--progress',
      '--progress-interval',
      '50',
      'wait-stdin.mjs',
      '300',
      ...extra,
    ]);
    await run.waitFor(/^mapped 300 sum 8955050$/m);
    // the executor is live and idle: its snapshot reaches the CLI as a line
    await run.waitFor(LIVE_LINE, 'stderr');
    run.child.stdin!.end('go\n');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('mapped 300 sum 8955050\nbye\n');
    expect(r.stderr).toMatch(FINAL_LINE);
    for (const line of r.stderr.trimEnd().split('\n')) expect(line).toMatch(/^futures: /);
  });
});

describe('futures run --progress on a terminal', () => {
  it('shows the live view (bars, counts, per-worker utilisation) through a pseudo-terminal', async () => {
    const cmd = `${BIN} run --transport=shm -n 2 --progress wait-stdin.mjs 300`;
    // script(1) runs the command on a pseudo-terminal; its output is what the terminal got
    const run = start('script', ['-qfec', cmd, '/dev/null'], {
      env: cleanEnv({ TERM: 'xterm', COLUMNS: '120' }),
    });
    await run.waitFor(/mapped 300 sum 8955050/);
    await run.waitFor(/300\/300 done, 0 failed \| [\d.]+ tasks\/s \| queue 0 \| running 0/);
    await run.waitFor(/ w2 +\u2588*\u2591* +\d+% busy \| \d+ done \| 0 in flight/);
    const screen = run.stdout();
    expect(screen).toMatch(/ shm +[\u2588\u2591]+ /);
    expect(screen).toMatch(/ w1 +[\u2588\u2591]+ +\d+% busy/);
    expect(screen).toContain('\x1b[?25l'); // cursor hidden while the view is live
    run.child.stdin!.write('go\n');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/futures: shm executor finished 300 tasks \(300 ok/);
    expect(r.stdout).toContain('bye');
    expect(r.stdout).toContain('\x1b[?25h'); // and shown again
  });
});

describe('progress reports from the executor (core)', () => {
  async function messagesWith(progress: string): Promise<unknown[]> {
    const child = spawn(process.execPath, ['wait-stdin.mjs', '20'], {
      cwd: FIXTURES,
      env: cleanEnv({ FUTURES_TRANSPORT: 'shm', FUTURES_MAX_WORKERS: '2', FUTURES_PROGRESS: progress }),
      stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
    });
    const messages: unknown[] = [];
    child.on('message', (m) => messages.push(m));
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('mapped')) resolve();
      });
    });
    child.stdin!.end('go\n');
    await new Promise((resolve) => child.on('close', resolve));
    return messages;
  }

  it('sends snapshots and a final one to the parent whose pid FUTURES_PROGRESS names', async () => {
    const messages = (await messagesWith(String(process.pid))) as {
      type: string;
      final: boolean;
      stats: { completed: number };
    }[];
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.every((m) => m.type === 'futures:stats')).toBe(true);
    const last = messages[messages.length - 1]!;
    expect(last.final).toBe(true);
    expect(last.stats.completed).toBe(20);
    expect(messages.filter((m) => m.final)).toHaveLength(1);
  });

  it('sends nothing when FUTURES_PROGRESS names another process (an inherited setting)', async () => {
    expect(await messagesWith('1234567')).toEqual([]);
  });
});
