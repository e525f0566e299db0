import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PoolProgram } from './support/program.js';
import { EventStream } from './support/sse.js';

// Who may read the dashboard, and what it never tells: child programs with the dashboard
// turned on by the environment alone, read over plain HTTP.

const PAGE_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../page');
let program: PoolProgram | null = null;

afterEach(() => {
  program?.kill();
  program = null;
});

/** An address of this machine other than loopback, when it has one. */
function externalAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

describe('dashboard security', () => {
  it('on a non-loopback address, refuses every request without the token (403) and serves it with the token', async () => {
    program = new PoolProgram({ FUTURES_DASHBOARD: '{"host":"0.0.0.0","port":0}' });
    const printed = await program.url;
    expect(program.banner).toContain('requests without this token are refused');
    const url = new URL(printed);
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[\w-]{32}$/); // 24 random bytes
    const hosts = ['127.0.0.1', externalAddress()].filter((h): h is string => h !== null);
    for (const host of hosts) {
      const base = `http://${host}:${url.port}`;
      for (const route of ['/', '/events', '/assets/echarts.min.js', '/assets/index.html', '/nothing']) {
        for (const query of ['', '?token=', `?token=${token.slice(1)}`, `?token=${token}x`]) {
          const res = await fetch(`${base}${route}${query}`);
          expect(res.status, `${host} ${route}${query}`).toBe(403);
          expect(await res.text()).toContain('needs the token');
        }
        expect(
          (await fetch(`${base}${route}`, { headers: { cookie: `futures_dashboard_${url.port}=nope` } }))
            .status,
        ).toBe(403);
      }
      const page = await fetch(`${base}/?token=${token}`);
      expect(page.status).toBe(200);
      const cookie = page.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      // the page's assets and its event stream pass with the cookie it got, or a bearer token
      const echarts = await fetch(`${base}/assets/echarts.min.js`, {
        headers: { cookie: cookie.split(';')[0]! },
      });
      expect(echarts.status).toBe(200);
      await echarts.arrayBuffer();
      const bearer = await EventStream.open(`${base}/`, { headers: { authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(200);
      expect((await bearer.find('hello')).executors).toHaveLength(1);
      await bearer.close();
    }
    program.send('quit');
    expect(await program.exited).toBe(0);
  });

  it('on loopback, refuses a request that names another host (DNS rebinding)', async () => {
    program = new PoolProgram({ FUTURES_DASHBOARD: '1' });
    const url = new URL(await program.url);
    expect(program.banner).toContain('(loopback only)');
    const http = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: url.port, path: '/events', headers: { host } }, (res) => {
            resolve(res.statusCode ?? 0);
            res.destroy();
          })
          .on('error', reject);
      });
    expect(await status('evil.example:80')).toBe(403);
    expect(await status(`localhost:${url.port}`)).toBe(200);
    expect(await status(`127.0.0.1:${url.port}`)).toBe(200);
    program.send('quit');
    expect(await program.exited).toBe(0);
  });

  it('never sends task arguments or results: a marker in both appears nowhere in the stream or the page', async () => {
    const marker = `MARKER${Math.random().toString(36).slice(2)}`;
    program = new PoolProgram({ FUTURES_DASHBOARD: '1' });
    const url = await program.url;
    await program.next('ready');
    const events = await EventStream.open(url);
    await events.find('hello');
    program.send(`echo ${marker} 50`);
    expect(await program.next('echoed')).toMatchObject({ n: 50, last: true });
    await events.find('stats', (m) => m.stats.completed === 50);
    await events.find('spans', (m) => m.spans.some((s) => s.fn === 'echo'));
    // a second page, connecting after the tasks: its hello holds every span and stat
    const late = await EventStream.open(url);
    const hello = await late.find('hello');
    expect(hello.spans.filter((s) => s.fn === 'echo')).toHaveLength(50);
    // the page and every file it is made of, as served
    const files = fs
      .readdirSync(PAGE_DIR, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile());
    const served = [await fetch(url)];
    for (const f of files) {
      const rel = path.relative(PAGE_DIR, path.join(f.parentPath, f.name)).split(path.sep).join('/');
      served.push(await fetch(new URL(`assets/${rel}`, url)));
    }
    served.push(await fetch(new URL('assets/echarts.min.js', url)));
    for (const res of served) {
      expect(res.status, res.url).toBe(200);
      expect(await res.text(), res.url).not.toContain(marker);
    }
    program.send('quit');
    await events.find('executor-closed');
    expect(await program.exited).toBe(0); // ends by itself, with pages still connected
    await Promise.all([events.done, late.done]);
    expect(events.raw.length).toBeGreaterThan(1000);
    expect(events.raw).not.toContain(marker);
    expect(late.raw).not.toContain(marker);
  });
});
