import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor } from '@futures/core';
import { tasks } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShmTransport } from '../src/transport.js';
import { tracked } from './support.js';

// Chaos: 2,000 tasks at once with retries: 3 on 2 workers, 2% of which end their worker
// thread (process.exit(3)) the first time they run. Every future gets its value, each death
// costs exactly one retry (to the task that ran; the tasks queued behind it go back free),
// and no thread outlives the pool.

const { chaos } = tasks;

const TASKS = 2000;
const DIE_EVERY = 50; // 2%: 40 deaths

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('chaos', () => {
  it('2,000 tasks, 2% kill their worker once: every value right, retried = deaths, no thread left', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shm-chaos-'));
    dirs.push(dir);
    const t = tracked();
    const pool = new PoolExecutor({ maxWorkers: 2, retries: 3, transport: t.factory });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const futures = Array.from({ length: TASKS }, (_, i) => pool.submit(chaos, dir, i, DIE_EVERY, 0.2));
      const settled = await Promise.allSettled(futures);
      const wrong = settled.flatMap((s, i) =>
        s.status === 'fulfilled' && s.value === i * 3 + 1 ? [] : [{ i, s }],
      );
      expect(wrong.slice(0, 5)).toEqual([]);
      const deaths = fs.readdirSync(dir).length;
      expect(deaths).toBe(TASKS / DIE_EVERY);
      expect(pool.stats().retried).toBe(deaths);
      expect(pool.stats().completed).toBe(TASKS);
      await pool.shutdown();
    } finally {
      process.off('warning', onWarning);
      await pool.shutdown({ cancelFutures: true });
    }
    const transport = t.transports[0] as ShmTransport;
    const { started, exited } = transport.threads;
    expect(started).toBeGreaterThanOrEqual(2 + TASKS / DIE_EVERY); // the first two and a replacement per death
    expect(exited).toBe(started);
    expect(warnings).toEqual([]);
  });
});
