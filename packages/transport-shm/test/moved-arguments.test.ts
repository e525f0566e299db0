import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor, WorkerLostError } from '@futures/core';
import { type ChoreMode, Gate, tasks } from '@futures/core/conformance';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shm, transfer } from '../src/index.js';

// A task whose argument was moved to a worker with transfer() holds the only copy there:
// work stealing must leave it where it is, and a lost worker cannot hand it to another.

let gate: Gate;
const pools: PoolExecutor[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  gate = await Gate.open();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});
afterAll(async () => {
  await gate.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-moved-'));
  dirs.push(dir);
  return dir;
}

/** A payload large enough to travel out of band (so transfer() moves it). */
const payload = (): Uint8Array => new Uint8Array(4096).fill(7);

/** A pool that knows `chore` takes ~20 ms, so it commits one task behind each busy worker. */
async function warmPool(maxWorkers: number, retries = 0): Promise<PoolExecutor> {
  const pool = new PoolExecutor({ transport: shm(), maxWorkers, retries });
  pools.push(pool);
  await pool.bootup();
  const dir = scratch();
  const pass: ChoreMode = { kind: 'pass', spinMs: 20 };
  await Promise.all(
    Array.from({ length: 3 * maxWorkers }, (_, i) => pool.submit(tasks.chore, dir, `w${i}`, pass)),
  );
  return pool;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('arguments moved with transfer()', () => {
  it('are never taken back by work stealing: such a task runs on the worker it was sent to', async () => {
    const pool = await warmPool(2);
    const dir = scratch();
    const long = pool.submit(tasks.chore, dir, 'long', { kind: 'hold', gate: gate.path });
    const moved = Array.from({ length: 12 }, (_, i) => {
      const bytes = payload();
      const f = pool.submit(tasks.chore, dir, `m${i}`, { kind: 'pass' }, transfer(bytes));
      return { f, bytes };
    });
    await gate.arrived('long');
    // wait until the other worker has run dry: only the long task's worker holds anything
    for (;;) {
      const s = pool.stats();
      if (s.queued === 0 && s.workers.filter((w) => w.inFlight > 0).length === 1) break;
      await turn();
    }
    expect(pool.stats().revokes).toBe(0); // it had nothing it could give back
    gate.release('long');
    const who = await Promise.all(moved.map((m) => m.f)); // none failed to be sent again
    const longWho = await long;
    expect(who.filter((w) => w === longWho).length).toBeGreaterThan(0); // some waited behind the long task
    for (const m of moved) expect(m.bytes.byteLength).toBe(0); // each was moved, not copied
    expect(fs.readdirSync(dir)).toHaveLength(13);
  });

  it('a lost worker fails them with WorkerLostError (no retry, never sent again); the others run on', async () => {
    const pool = await warmPool(1, 2);
    const dir = scratch();
    const releaseFile = path.join(scratch(), 'release');
    const doomedMode: ChoreMode = { kind: 'spin-then-exit', gate: gate.path, releaseFile };
    const doomed = pool.submit(tasks.chore, dir, 'doomed', doomedMode, transfer(payload()));
    const behind = pool.submit(tasks.chore, dir, 'behind', { kind: 'pass' }, transfer(payload()));
    const plain = pool.submit(tasks.chore, dir, 'plain', { kind: 'pass' }, payload());
    await gate.arrived('doomed');
    while (pool.stats().running < 2) await turn(); // 'behind' is committed behind the spinning task
    fs.writeFileSync(releaseFile, '');
    for (const f of [doomed, behind]) {
      const error = await f.exception();
      expect(error).toBeInstanceOf(WorkerLostError);
      expect((error as Error).message).toMatch(/moved there with transfer\(\)/);
    }
    expect(await plain).toMatch(/^worker /); // copied, so it runs on the replacement
    expect(fs.readdirSync(dir).sort()).toEqual(['doomed', 'plain']);
    expect(pool.stats().retried).toBe(0);
  });
});
