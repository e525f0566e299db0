import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, FIXTURES, futures, node } from './support/cli.js';

// The CLI's launcher plumbing (launchCommand, isServerProcess/serve, rank 0 in-process), with
// a fixture transport whose hooks act like MPI's and whose executors run on shm.
const cwd = path.join(FIXTURES, 'launched');

interface AppReport {
  ppid: number;
  argv: string[];
  sum: number;
  transport: string;
  launched: string | null;
  maxWorkers: string | null;
}

function parse(stdout: string): { launcher: number; app: AppReport; served: string[] } {
  const lines = stdout.trim().split('\n');
  const launcher = (JSON.parse(lines.find((l) => l.includes('"launcher"'))!) as { launcher: number })
    .launcher;
  const app = JSON.parse(lines.find((l) => l.includes('"ppid"'))!) as AppReport;
  return { launcher, app, served: lines.filter((l) => l.endsWith(' served')).sort() };
}

describe('futures run with a transport that has a launcher', () => {
  it('-n N starts the launcher: rank 0 runs the program in its own process, the others serve', async () => {
    const r = await futures(['run', '--transport=fake', '-n', '3', 'app.mjs', '7', '--flag'], { cwd });
    expect(r.stderr).toBe('');
    // rank 0's exit status comes back through the launcher and the CLI
    expect(r.code).toBe(7);
    const { launcher, app, served } = parse(r.stdout);
    expect(served).toEqual(['rank 1 served', 'rank 2 served']);
    // the program's parent is the launcher: it ran in the process the launcher started
    expect(app.ppid).toBe(launcher);
    expect(app).toMatchObject({ argv: ['7', '--flag'], sum: 30, transport: 'fake', launched: 'fake' });
    // -n made the ranks; it is not a worker count for the program
    expect(app.maxWorkers).toBeNull();
  });

  it('under a launcher the user started, the hooks alone decide (serve, or run in-process)', async () => {
    const r = await node(
      [path.join(cwd, 'launcher.mjs'), '2', BIN, 'run', '--transport=fake', 'app.mjs', '0'],
      { cwd },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { launcher, app, served } = parse(r.stdout);
    expect(served).toEqual(['rank 1 served']);
    expect(app.ppid).toBe(launcher);
    expect(app).toMatchObject({ argv: ['0'], sum: 30, launched: null });
  });

  it('an uncaught error in rank 0 exits 1 with the error, as the program alone would', async () => {
    const r = await futures(['run', '--transport=fake', '-n', '2', '-m', './app.mjs', 'throw'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: rank 0 failed');
    expect(parse(r.stdout).served).toEqual(['rank 1 served']);
  });
});
