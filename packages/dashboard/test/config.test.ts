import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { PoolProgram, PROGRAMS } from './support/program.js';
import { EventStream } from './support/sse.js';

// Turning the dashboard on by configuration alone (the environment is covered with the
// security tests): a config file, and invalid values.

let program: PoolProgram | null = null;
afterEach(() => {
  program?.kill();
  program = null;
});

describe('dashboard configuration', () => {
  it('futures.config.json "dashboard" turns it on for a program with none in its code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-dash-'));
    try {
      const config = path.join(dir, 'futures.config.json');
      fs.writeFileSync(config, JSON.stringify({ dashboard: { host: '127.0.0.1', port: 0 }, maxInFlight: 8 }));
      program = new PoolProgram({ FUTURES_CONFIG: config });
      const url = await program.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const events = await EventStream.open(url);
      const hello = await events.find('hello');
      expect(hello.executors[0]!.settings).toMatchObject({ maxInFlight: 8, configFile: config });
      program.send('quit');
      expect(await program.exited).toBe(0);
      await events.done;
      // printed once
      expect(program.stderr.match(/futures: dashboard at/g)).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const value of ['0', undefined]) {
    it(`FUTURES_DASHBOARD=${value ?? '(unset)'}: off, and the package is not even loaded`, async () => {
      const hook = path.join(PROGRAMS, 'report-dashboard-loads.mjs');
      const args = ['--import', hook, path.join(PROGRAMS, 'pool-run.mjs')];
      const env: Record<string, string> = value === undefined ? {} : { FUTURES_DASHBOARD: value };
      if (value === undefined) delete process.env.FUTURES_DASHBOARD;
      program = new PoolProgram(env, args);
      await program.next('ready');
      program.send('echo x 10');
      await program.next('echoed');
      program.send('quit');
      expect(await program.exited).toBe(0);
      expect(program.stderr).not.toContain('dashboard');
    });
  }

  it('the load check itself sees the package when the dashboard is on', async () => {
    const hook = path.join(PROGRAMS, 'report-dashboard-loads.mjs');
    program = new PoolProgram({ FUTURES_DASHBOARD: '1' }, [
      '--import',
      hook,
      path.join(PROGRAMS, 'pool-run.mjs'),
    ]);
    await program.url;
    program.send('quit');
    expect(await program.exited).toBe(0);
    expect(program.stderr).toMatch(/dashboard module loaded: .*\/dashboard\/dist\/index\.js/);
  });

  it('a port in use breaks the executor with a DashboardError that says so', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as net.AddressInfo;
    try {
      program = new PoolProgram({ FUTURES_DASHBOARD: String(port) });
      expect(await program.exited).not.toBe(0);
      expect(program.stderr).toContain(
        `futures: the dashboard (from environment variable FUTURES_DASHBOARD) could not start on 127.0.0.1:${port}`,
      );
      expect(program.stderr).toContain('ERR_FUTURES_DASHBOARD');
    } finally {
      busy.close();
    }
  });

  it('refuses invalid values at construction, naming the option and the fix', () => {
    const cases: [unknown, RegExp][] = [
      ['yes', /dashboard \(from option "dashboard"\) must be true, false or an object/],
      [{ port: 'x' }, /\.port must be an integer/],
      [{ port: 99999 }, /\.port must be between 0/],
      [{ hots: '0.0.0.0' }, /unknown key "hots"/],
    ];
    for (const [dashboard, message] of cases) {
      expect(() => new PoolExecutor({ transport: 'shm', dashboard } as never)).toThrow(message);
    }
    const previous = process.env.FUTURES_DASHBOARD;
    process.env.FUTURES_DASHBOARD = 'sure';
    try {
      expect(() => new PoolExecutor({ transport: 'shm' })).toThrow(
        /dashboard \(from environment variable FUTURES_DASHBOARD\) must be 1, 0, a port number or a JSON object/,
      );
    } finally {
      if (previous === undefined) delete process.env.FUTURES_DASHBOARD;
      else process.env.FUTURES_DASHBOARD = previous;
    }
  });
});
