import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor } from '@futures/core';
import { allGone, tasks } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { zmq } from '../src/index.js';

// Chaos: 2,000 tasks at once with retries: 3 on 2 worker processes, 2% of which end their
// process (process.exit(3)) the first time they run. Every future gets its value, a death
// costs a retry only to the task that was running, no warning is printed, and after
// shutdown no worker process and no socket directory is left.
//
// The second case also kills a random worker with SIGKILL every 500 ms while the run lasts.
// Why retries: 3 always suffices there: a task is charged a retry only when a worker dies
// while the task is at its head (running, or about to run). Its own exit charges it once.
// An outside kill charges the one task at the head of the killed worker; that task goes back
// to the front of the queue and runs again within a few ms (tasks take ~2 ms, a worker holds
// at most maxInFlight of them), long before the next kill 500 ms later, so one task takes at
// most one outside kill: at most 2 retries per task, one spare. (A result still in flight when
// its worker dies is dropped: the death then charges that finished task, the head, and the task
// that exited goes back free; it is still one retry per death and at most two per task.)
//
// A dying worker's last frames can reach the controller after it noticed the exit and ended
// the link; they used to print FuturesZmqWarning "dropped a message (kind 3) from a
// connection that has not joined" (kind 3: a core frame, e.g. results). Both cases assert
// that no warning is printed.

const { chaos } = tasks;

const TASKS = 2000;
const DIE_EVERY = 50; // 2%: 40 deaths
const WORK_MS = 2;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The pids of live processes whose command line contains `needle` (the pool's socket directory). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The private socket directory a local worker was told to connect to (its command line). */
function socketDirOf(pid: number): string {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const connect = argv[argv.indexOf('--connect') + 1] ?? '';
  expect(connect).toMatch(/^ipc:\/\//);
  return path.dirname(connect.slice('ipc://'.length));
}

/** A small deterministic generator (the victims of the outside kills are reproducible). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function runChaos(outsideKills: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zmq-chaos-'));
  dirs.push(dir);
  const pool = new PoolExecutor({ maxWorkers: 2, retries: 3, transport: zmq() });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  const pids = new Set<number>();
  const seen = (): void => {
    for (const w of pool.stats().workers) if (w.pid > 0) pids.add(w.pid); // 0: not known yet
  };
  const killed: number[] = [];
  let killer: ReturnType<typeof setInterval> | undefined;
  let socketDir = '';
  try {
    await pool.bootup();
    seen();
    socketDir = socketDirOf([...pids][0]!);
    expect(path.basename(socketDir)).toMatch(/^futures-zmq-/);
    const futures = Array.from({ length: TASKS }, (_, i) => pool.submit(chaos, dir, i, DIE_EVERY, WORK_MS));
    if (outsideKills) {
      const random = lcg(15);
      killer = setInterval(() => {
        seen();
        const workers = pool.stats().workers.filter((w) => w.pid > 0); // (never kill(0): the group)
        const victim = workers[Math.floor(random() * workers.length)];
        if (victim === undefined) return;
        try {
          process.kill(victim.pid, 'SIGKILL');
          killed.push(victim.pid);
        } catch {
          // it died meanwhile (its own exit)
        }
      }, 500);
    }
    const settled = await Promise.allSettled(futures);
    clearInterval(killer);
    seen();
    const wrong = settled.flatMap((s, i) =>
      s.status === 'fulfilled' && s.value === i * 3 + 1 ? [] : [{ i, s }],
    );
    expect(wrong.slice(0, 5)).toEqual([]);
    const markers = fs.readdirSync(dir);
    expect(markers).toHaveLength(TASKS / DIE_EVERY);
    for (const m of markers) pids.add(Number(fs.readFileSync(path.join(dir, m), 'utf8')));
    const { retried, completed } = pool.stats();
    expect(completed).toBe(TASKS);
    if (outsideKills) {
      expect(killed.length).toBeGreaterThanOrEqual(3); // the run spanned several kills
      // each outside kill charges at most the one task its worker was running
      expect(retried).toBeGreaterThanOrEqual(markers.length);
      expect(retried).toBeLessThanOrEqual(markers.length + killed.length);
    } else {
      expect(retried).toBe(markers.length);
    }
    await pool.shutdown();
  } finally {
    clearInterval(killer);
    process.off('warning', onWarning);
    await pool.shutdown({ cancelFutures: true });
  }
  await allGone([...pids]);
  expect(processesWith(socketDir)).toEqual([]); // no worker of this pool at all, seen or not
  expect(fs.existsSync(socketDir)).toBe(false);
  expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
}

describe('chaos', () => {
  it('2,000 tasks, 2% exit their worker once: every value right, retried = deaths, no warning, nothing left', async () => {
    await runChaos(false);
  }, 180_000);

  it('the same while a random worker is killed (SIGKILL) every 500 ms: every value right, nothing left', async () => {
    await runChaos(true);
  }, 180_000);
});
