import * as os from 'node:os';
import { PoolExecutor, task } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDashboard, dashboardUrl } from '../src/index.js';
import { EventStream } from './support/sse.js';

// The dashboard in this process, on real shm executors: what /events pushes as tasks run,
// workers come and go and executors start and stop; and what the other routes serve.
// (Core loads @futures/dashboard from its dist/ by name: `pnpm build` first.)

const TASKS = new URL('./programs/tasks.mjs', import.meta.url);
const echo = task<(v: unknown) => unknown>(TASKS, 'echo');
const add = task<(a: number, b: number) => number>(TASKS, 'add');
const fail = task<(m: string) => never>(TASKS, 'fail');
const die = task<() => never>(TASKS, 'die');

afterEach(async () => {
  await closeDashboard();
});

async function started(pool: PoolExecutor): Promise<string> {
  await pool.bootup();
  const url = await dashboardUrl();
  if (url === null) throw new Error('the dashboard did not start');
  return url;
}

describe('the dashboard server (shm)', () => {
  it('sends hello with the executor and its workers, then spans, stats and errors as tasks finish', async () => {
    const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 2, dashboard: true });
    const url = await started(pool);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const events = await EventStream.open(url);
    expect(events.status).toBe(200);
    expect(events.response.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const hello = await events.find('hello');
    expect(hello.v).toBe(1);
    expect(hello.program.pid).toBe(process.pid);
    expect(hello.executors).toHaveLength(1);
    const executor = hello.executors[0]!;
    expect(executor).toMatchObject({ transport: 'shm', pid: process.pid, host: os.hostname() });
    expect(executor.settings).toMatchObject({ maxWorkers: 2, maxInFlight: 64 });
    expect(executor.settings.ringBytes).toBeTypeOf('number'); // the transport's own settings too
    const id = executor.executorId;
    expect(hello.workers.map((w) => [w.executorId, w.state])).toEqual([
      [id, 'alive'],
      [id, 'alive'],
    ]);
    for (const w of hello.workers) expect(w).toMatchObject({ pid: process.pid, host: os.hostname() });

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.submit(add, i, 1)));
    expect(results[19]).toBe(20);
    const spans = await events.find('spans', (m) => m.spans.some((s) => s.fn === 'add'));
    const span = spans.spans.find((s) => s.fn === 'add')!;
    expect(span.executorId).toBe(id);
    expect(hello.workers.map((w) => w.workerId)).toContain(span.workerId);
    expect(span.ok).toBe(true);
    expect(span.end).toBeGreaterThanOrEqual(span.start);
    const stats = await events.find('stats', (m) => m.stats.completed >= 20);
    expect(stats.stats).toMatchObject({ executorId: id, submitted: 20, failed: 0, queued: 0 });
    expect(stats.stats.workers).toHaveLength(2);

    const error = await pool.submit(fail, 'bad input').catch((e: unknown) => e);
    expect((error as Error).name).toBe('TypeError');
    const reported = await events.find('error');
    expect(reported.error).toMatchObject({
      executorId: id,
      fn: 'fail',
      name: 'TypeError',
      message: 'bad input',
    });
    expect(reported.error.stack).toContain('tasks.mjs'); // the worker's stack
    await events.find('spans', (m) => m.spans.some((s) => s.fn === 'fail' && !s.ok));

    await pool.shutdown();
    const closed = await events.find('executor-closed');
    expect(closed.executorId).toBe(id);
    expect(events.of('worker-lost').map((m) => m.state)).toEqual(['stopped', 'stopped']);
    // a page that connects now sees the final state
    const later = await EventStream.open(url);
    const final = await later.find('hello');
    expect(final.executors[0]!.closedAt).toBeTypeOf('number');
    expect(final.workers.every((w) => w.state === 'stopped')).toBe(true);
    expect(final.errors.map((e) => e.message)).toEqual(['bad input']);
    expect(final.spans.filter((s) => s.fn === 'add')).toHaveLength(20);
    expect(final.stats.at(-1)).toMatchObject({ completed: 20, failed: 1, running: 0 });
    await later.close();
    await events.close();
  });

  it('shows a worker thread that died as lost, with the reason, and its replacement joining', async () => {
    const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 2, dashboard: true });
    const url = await started(pool);
    const events = await EventStream.open(url);
    const hello = await events.find('hello');
    const error = await pool.submit(die).catch((e: unknown) => e);
    expect((error as Error).name).toBe('WorkerLostError');
    const lost = await events.find('worker-lost');
    expect(lost).toMatchObject({ executorId: hello.executors[0]!.executorId, state: 'lost' });
    expect(lost.reason).toMatch(/exit/i);
    const joined = await events.find('worker-joined');
    expect(joined.worker.state).toBe('alive');
    expect(hello.workers.map((w) => w.workerId)).not.toContain(joined.worker.workerId);
    await pool.shutdown();
    await events.close();
  });

  it('shows several executors of one program on one server', async () => {
    const a = new PoolExecutor({ transport: 'shm', maxWorkers: 1, dashboard: true });
    const url = await started(a);
    const events = await EventStream.open(url);
    await events.find('hello');
    const b = new PoolExecutor({ transport: 'shm', maxWorkers: 2, dashboard: { port: 0 } });
    await b.bootup();
    expect(await dashboardUrl()).toBe(url); // one server per process
    const second = await events.find('executor');
    expect(second.executor.settings.maxWorkers).toBe(2);
    expect(await b.submit(echo, 'x')).toBe('x');
    await events.find('spans', (m) => m.spans.some((s) => s.executorId === second.executor.executorId));
    await Promise.all([a.shutdown(), b.shutdown()]);
    const hello = (await (await EventStream.open(url)).find('hello')).executors.map((e) => e.executorId);
    expect(hello).toHaveLength(2);
    await events.close();
  });

  it('shows an executor that broke (its initializer failed) as closed, with why', async () => {
    const pool = new PoolExecutor({
      transport: 'shm',
      maxWorkers: 1,
      dashboard: true,
      initializer: fail,
      initargs: ['no database'],
    });
    await expect(pool.bootup()).rejects.toThrow(/initializer failed/);
    const events = await EventStream.open((await dashboardUrl())!);
    const hello = await events.find('hello');
    expect(hello.executors[0]!.closedAt).toBeTypeOf('number');
    expect(hello.executors[0]!.broken).toMatch(/initializer failed in worker \d+: no database/);
    await pool.shutdown();
    await events.close();
    const again = await EventStream.open((await dashboardUrl())!);
    expect((await again.find('hello')).executors).toHaveLength(1);
    await again.close();
  });

  it('keeps memory bounded: the hello holds the most recent 10,000 spans, whatever ran before', async () => {
    const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 2, dashboard: true });
    const url = await started(pool);
    const n = 12_500;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.submit(add, i, 0)));
    expect(results.at(-1)).toBe(n - 1);
    await pool.shutdown();
    const events = await EventStream.open(url);
    const hello = await events.find('hello');
    expect(hello.spans).toHaveLength(10_000);
    expect(hello.stats.at(-1)!.completed).toBe(n); // the counters stay exact
    const ends = hello.spans.map((s) => s.end);
    expect(ends).toEqual([...ends].sort((a, b) => a - b)); // oldest first, the newest kept
    await events.close();
  });

  it('serves the page, its assets and ECharts from the package, and nothing outside it', async () => {
    const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 1, dashboard: true });
    const url = await started(pool);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toMatch(/<html/i);
    const echarts = await fetch(new URL('assets/echarts.min.js', url));
    expect(echarts.status).toBe(200);
    expect(echarts.headers.get('content-type')).toMatch(/javascript/);
    expect((await echarts.text()).length).toBeGreaterThan(500_000);
    for (const bad of [
      'assets/..%2Fpackage.json',
      'assets/%2e%2e/src/server.ts',
      'assets/%E0%A4%A',
      'nothing-here',
    ]) {
      expect((await fetch(new URL(bad, url))).status, bad).toBe(404);
    }
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    await pool.shutdown();
  });
});
