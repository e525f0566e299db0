import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, cleanEnv, FIXTURES, futures, node } from './support/cli.js';

interface Summary {
  n: number;
  sum: number;
  first: number[];
  single: number;
  transport: string;
  workers: number;
}

const expectedSum = (n: number): number => ((n - 1) * n * (2 * n - 1)) / 6;

describe('futures run --transport=shm', () => {
  it('gives the same result as running the program with FUTURES_TRANSPORT=shm', async () => {
    const direct = await node(['sum-squares.mjs', '2000'], {
      env: cleanEnv({ FUTURES_TRANSPORT: 'shm', FUTURES_MAX_WORKERS: '2' }),
    });
    const viaCli = await futures(['run', '--transport=shm', '-n', '2', 'sum-squares.mjs', '2000']);
    expect(direct.stderr).toBe('');
    expect(viaCli.stderr).toBe('');
    expect(direct.code).toBe(0);
    expect(viaCli.code).toBe(0);
    expect(viaCli.stdout).toBe(direct.stdout);
    const summary = JSON.parse(viaCli.stdout) as Summary;
    expect(summary).toEqual({
      n: 2000,
      sum: expectedSum(2000),
      first: [0, 1, 4, 9, 16],
      single: 144,
      transport: 'shm',
      workers: 2,
    });
  });

  it('-n sets the number of workers', async () => {
    const r = await futures(['run', '--transport=shm', '-n', '3', 'sum-squares.mjs', '100']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).workers).toBe(3);
  });

  it("loads the transport from the CLI's own dependencies when the application does not have it", async () => {
    // an application with @futures/core but without @futures/transport-shm
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-app-'));
    try {
      fs.mkdirSync(path.join(app, 'node_modules', '@futures'), { recursive: true });
      fs.symlinkSync(
        fs.realpathSync(path.join(CLI_DIR, 'node_modules', '@futures', 'core')),
        path.join(app, 'node_modules', '@futures', 'core'),
      );
      for (const f of ['sum-squares.mjs', 'tasks.mjs'])
        fs.copyFileSync(path.join(FIXTURES, f), path.join(app, f));

      const direct = await node(['sum-squares.mjs', '50'], {
        cwd: app,
        env: cleanEnv({ FUTURES_TRANSPORT: 'shm' }),
      });
      expect(direct.stdout).toBe('');
      expect(direct.code).not.toBe(0);
      expect(direct.stderr).toContain('needs the package @futures/transport-shm');

      const viaCli = await futures(['run', '--transport=shm', '-n', '2', 'sum-squares.mjs', '50'], {
        cwd: app,
      });
      expect(viaCli.stderr).toBe('');
      expect(viaCli.code).toBe(0);
      expect(JSON.parse(viaCli.stdout)).toMatchObject({ sum: expectedSum(50), transport: 'shm', workers: 2 });
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});
