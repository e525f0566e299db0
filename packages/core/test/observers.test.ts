import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveDashboard } from '../src/config/dashboard-option.js';
import { resolveConfig } from '../src/config/resolve.js';
import { Gate, tasks } from '../src/conformance/index.js';
import {
  type ExecutorObserver,
  PoolExecutor,
  type TaskFinishedEvent,
  type TaskStartedEvent,
  type WorkerJoinedEvent,
  type WorkerLostEvent,
} from '../src/index.js';
import { inline } from './support/inline-transport.js';

// The executor's event hook (executor.observe), on core's inline test transport: core cannot
// depend on a transport package. packages/dashboard/test/observe-shm.test.ts runs the same
// events on shm, with a worker thread that really dies.

function recorder() {
  const joined: WorkerJoinedEvent[] = [];
  const lost: WorkerLostEvent[] = [];
  const started: TaskStartedEvent[] = [];
  const finished: TaskFinishedEvent[] = [];
  const closed: { time: number; broken?: Error }[] = [];
  const observer: ExecutorObserver = {
    workerJoined: (e) => joined.push(e),
    workerLost: (e) => lost.push(e),
    taskStarted: (e) => started.push(e),
    taskFinished: (e) => finished.push(e),
    closed: (e) => closed.push(e),
  };
  return { observer, joined, lost, started, finished, closed };
}

describe('executor.observe', () => {
  it('reports workers joining, tasks started and finished with their function, times and errors, and the close', async () => {
    const before = Date.now();
    const pool = new PoolExecutor({ transport: inline(), maxWorkers: 2 });
    const r = recorder();
    pool.observe(r.observer);
    await pool.bootup();
    expect(r.joined.map((e) => e.workerId).sort()).toEqual([1, 2]);
    for (const e of r.joined) {
      expect(e).toMatchObject({ host: os.hostname(), pid: process.pid });
      expect(typeof e.threadId).toBe('number');
      expect(e.time).toBeGreaterThanOrEqual(before);
    }
    const marker = 'MARKER-4c1f9e';
    expect(await pool.submit(tasks.echo, marker)).toBe(marker);
    expect(await pool.submit(tasks.add, 2, 3)).toBe(5);
    const failed = await pool.submit(tasks.failAsync, 'it broke').catch((e: unknown) => e);
    expect((failed as Error).message).toBe('it broke');
    const plain = await pool.submit(function triple(x: number) {
      return 3 * x;
    }, 2);
    expect(plain).toBe(6);

    expect(r.finished.map((e) => [e.fn, e.ok])).toEqual([
      ['echo', true],
      ['add', true],
      ['failAsync', false],
      ['triple', true],
    ]);
    expect(r.started.map((e) => e.fn)).toEqual(['echo', 'add', 'failAsync', 'triple']);
    for (const [i, e] of r.finished.entries()) {
      expect([1, 2]).toContain(e.workerId);
      expect(e.taskId).toBe(r.started[i]!.taskId);
      expect(e.workerId).toBe(r.started[i]!.workerId);
      expect(e.runMs).toBeGreaterThanOrEqual(0);
      expect(e.end - e.start).toBeCloseTo(e.runMs, 3); // epoch ms: ~1e-4 ms of float precision
      expect(e.end).toBeGreaterThanOrEqual(r.started[i]!.time);
      expect(e.end).toBeLessThanOrEqual(Date.now() + 1);
    }
    const error = r.finished[2]!.error!;
    expect(error).toMatchObject({ name: 'RangeError', message: 'it broke' });
    expect(error.stack).toContain('failAsync');
    expect(r.finished[0]!.error).toBeUndefined();
    // arguments and results are never part of an event
    expect(JSON.stringify([r.started, r.finished])).not.toContain(marker);

    await pool.shutdown();
    expect(r.closed).toHaveLength(1);
    expect(r.closed[0]!.broken).toBeUndefined();
    expect(r.lost).toEqual([]);
  });

  it('reports a lost worker with its reason, and the task it held as failed by its future only', async () => {
    const gate = await Gate.open();
    const factory = inline();
    const pool = new PoolExecutor({ transport: factory, maxWorkers: 1 });
    const r = recorder();
    pool.observe(r.observer);
    const held = pool.submit(tasks.gate, gate.path, 'held', 1);
    await gate.arrived('held');
    factory.last!.kill(1);
    await held.catch(() => {});
    expect(r.lost).toHaveLength(1);
    expect(r.lost[0]!.workerId).toBe(1);
    expect(r.lost[0]!.reason.message).toBe('killed by the test');
    expect(r.finished).toEqual([]); // its result never came: no span
    // the replacement joins, and is reported
    expect(await pool.submit(tasks.add, 1, 1)).toBe(2);
    expect(r.joined.map((e) => e.workerId)).toEqual([1, 2]);
    expect(r.finished.map((e) => e.workerId)).toEqual([2]);
    await gate.close();
    await pool.shutdown();
  });

  it('stops calling an observer after unsubscribe, and removes one that throws (with a warning)', async () => {
    const pool = new PoolExecutor({ transport: inline(), maxWorkers: 1 });
    const r = recorder();
    const stop = pool.observe(r.observer);
    let throws = 0;
    pool.observe({
      taskFinished: () => {
        throws++;
        throw new Error('observer bug');
      },
    });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    expect((await warned).message).toContain('observer bug');
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    expect(throws).toBe(1);
    expect(r.finished).toHaveLength(2);
    stop();
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
    expect(r.finished).toHaveLength(2);
    expect(() => pool.observe(null as never)).toThrow(TypeError);
    await pool.shutdown();
    expect(r.closed).toEqual([]);
  });

  it('tells observers when the executor breaks', async () => {
    const pool = new PoolExecutor({ transport: inline(), maxWorkers: 1, initializer: tasks.failInitializer });
    const r = recorder();
    pool.observe(r.observer);
    await expect(pool.bootup()).rejects.toThrow(/initializer failed/);
    expect(r.closed).toHaveLength(1);
    expect(r.closed[0]!.broken?.message).toMatch(/initializer failed/);
    await pool.shutdown();
  });
});

describe('the dashboard setting', () => {
  const env = (value: string) => ({ value, source: 'environment variable FUTURES_DASHBOARD' });
  const option = (value: unknown) => ({ value, source: 'option "dashboard"' });

  it('reads FUTURES_DASHBOARD: 1 (a free port), a port, 0 (off), JSON', () => {
    expect(resolveDashboard(env('1'))).toMatchObject({ port: 0, host: '127.0.0.1', token: null });
    expect(resolveDashboard(env('8787'))).toMatchObject({ port: 8787, host: '127.0.0.1' });
    expect(resolveDashboard(env('0'))).toBeNull();
    expect(resolveDashboard(env('off'))).toBeNull();
    expect(resolveDashboard(env('{"host":"0.0.0.0","port":0}'))).toMatchObject({ host: '0.0.0.0', port: 0 });
    expect(resolveDashboard(undefined)).toBeNull();
  });

  it('takes true, false or { port, host, token } as an option', () => {
    expect(resolveDashboard(option(true))).toMatchObject({ port: 0, host: '127.0.0.1', token: null });
    expect(resolveDashboard(option(false))).toBeNull();
    expect(resolveDashboard(option({ port: 9000, host: '::1', token: 'abcdefgh12' }))).toMatchObject({
      port: 9000,
      host: '::1',
      token: 'abcdefgh12',
    });
  });

  it('refuses invalid values with an error naming the option, its source and the fix', () => {
    const cases: [unknown, RegExp, ErrorConstructor][] = [
      [8787, /must be true, false or an object, got 8787/, TypeError],
      ['yes please', /must be true, false or an object/, TypeError],
      [{ port: 70000 }, /\.port must be between 0 .* and 65535, got 70000/, RangeError],
      [{ port: 1.5 }, /\.port must be an integer/, TypeError],
      [{ host: '' }, /\.host must be a non-empty string/, TypeError],
      [{ token: 'short' }, /\.token must be a string of at least 8/, TypeError],
      [{ prot: 1 }, /unknown key "prot"/, TypeError],
    ];
    for (const [value, message, type] of cases) {
      let error: unknown;
      try {
        resolveDashboard(option(value));
      } catch (e) {
        error = e;
      }
      expect(error, String(value)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(/^futures: dashboard \(from option "dashboard"\)/);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain('Fix:');
      expect((error as { code?: string }).code).toBe('ERR_FUTURES_INVALID_OPTION');
    }
    expect(() => resolveDashboard(env('many'))).toThrow(/FUTURES_DASHBOARD\) must be 1, 0, a port/);
    expect(() => new PoolExecutor({ transport: inline(), dashboard: { port: -1 } })).toThrow(
      /dashboard \(from option "dashboard"\) \.port must be between/,
    );
  });

  it('comes from the option, then FUTURES_DASHBOARD, then futures.config.json; off by default', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-dash-'));
    try {
      expect(resolveConfig({}, {}, dir).dashboard).toBeNull();
      fs.writeFileSync(path.join(dir, 'futures.config.json'), JSON.stringify({ dashboard: { port: 7000 } }));
      expect(resolveConfig({}, {}, dir).dashboard).toMatchObject({ port: 7000 });
      expect(resolveConfig({}, { FUTURES_DASHBOARD: '7001' }, dir).dashboard).toMatchObject({ port: 7001 });
      expect(resolveConfig({ dashboard: false }, { FUTURES_DASHBOARD: '7001' }, dir).dashboard).toBeNull();
      fs.writeFileSync(path.join(dir, 'futures.config.json'), JSON.stringify({ dashboard: 'yes' }));
      expect(() => resolveConfig({}, {}, dir)).toThrow(
        /dashboard \(from config file .*futures\.config\.json\)/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says to install @futures/dashboard when it cannot be found', () => {
    // A child process in an empty directory, without the NODE_PATH that pnpm sets for tests
    // (through it, the workspace's own @futures/dashboard would be found).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-dash-'));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const loader = pathToFileURL(path.resolve('src/config/load-dashboard.ts')).href;
    const script = [
      `const { loadDashboard } = await import(${JSON.stringify(loader)});`,
      "const settings = { port: 0, host: '127.0.0.1', token: null, source: 'environment variable FUTURES_DASHBOARD' };",
      'const e = await loadDashboard(settings, {}).catch((e) => e);',
      'console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message }));',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'app.mjs'), script);
    try {
      const env = { ...process.env };
      delete env.NODE_PATH;
      const out = execFileSync(process.execPath, ['--import', tsx, path.join(dir, 'app.mjs')], {
        cwd: dir,
        env,
        encoding: 'utf8',
      });
      const error = JSON.parse(out) as { name: string; code: string; message: string };
      expect(error).toMatchObject({ name: 'DashboardError', code: 'ERR_FUTURES_DASHBOARD_NOT_INSTALLED' });
      expect(error.message).toContain('npm install @futures/dashboard');
      expect(error.message).toContain('(from environment variable FUTURES_DASHBOARD)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
