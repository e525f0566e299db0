import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gate, tasks } from '../../src/conformance/index.js';
import { PoolExecutor } from '../../src/index.js';
import { decodeWorkerMessage, type Frame, ResultBatchWriter } from '../../src/transport/frame.js';
import { params } from './config.js';
import { mutated, workerFrame } from './frames.js';
import { injecting } from './inject-transport.js';

/** Task ids the scheduler may have handed out in a test (it counts from 1). */
const REAL_IDS = 100_000;

/**
 * What the scheduler must make of a frame from a worker that is serving: dropped and
 * counted (it does not decode, or it is a second `ready`), ignored (results or revokes for
 * no task in flight there), or not ours to send ('skip': it names task ids the scheduler
 * may really have handed out, or it is a well-formed init-failure, which breaks a pool).
 */
function expectation(f: Frame): 'counted' | 'ignored' | 'skip' {
  let names = false;
  let kind: string | null = null;
  try {
    const msg = decodeWorkerMessage(f, (id) => {
      if (id >= 1 && id <= REAL_IDS) names = true;
    });
    kind = msg === null ? 'results' : msg.type;
    if (msg?.type === 'revoked' && msg.taskIds.some((id) => id >= 1 && id <= REAL_IDS)) names = true;
  } catch {
    return names ? 'skip' : 'counted'; // results streamed before the damage would be settled
  }
  if (names || kind === 'init-failed') return 'skip';
  return kind === 'ready' ? 'counted' : 'ignored';
}

let gate: Gate;
beforeAll(async () => {
  gate = await Gate.open();
});
afterAll(async () => {
  await gate.close();
});

describe('a real PoolExecutor fed damaged frames at the transport boundary (property-based)', () => {
  it('never throws, never hangs, settles every future with its own result, and counts every drop in stats()', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(mutated(workerFrame), fc.nat(1)), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 12 }),
        async (injected, ntasks) => {
          const factory = injecting();
          const pool = new PoolExecutor({ transport: factory, maxWorkers: 2, maxInFlight: 4 });
          const warnings: string[] = [];
          const onWarning = (w: Error): void => {
            warnings.push(w.message);
          };
          process.on('warning', onWarning);
          try {
            await pool.bootup();
            const t = factory.last!;
            let expected = 0;
            const futures = Array.from({ length: ntasks }, (_, i) => pool.submit(tasks.add, i, 1000));
            for (const [frame, w] of injected) {
              const e = expectation(frame);
              if (e === 'skip') continue;
              if (e === 'counted') expected++;
              t.toController(w + 1, frame);
              await new Promise((r) => setImmediate(r));
            }
            const results = await Promise.all(futures);
            expect(results).toEqual(futures.map((_, i) => i + 1000));
            await new Promise((r) => setTimeout(r, 2)); // the injected frames still queued arrive
            const s = pool.stats();
            expect(s.malformedFrames).toBe(expected);
            expect([s.completed, s.failed]).toEqual([ntasks, 0]);
            if (expected > 0)
              expect(warnings.some((m) => /dropped a malformed frame from worker/.test(m))).toBe(true);
          } finally {
            process.off('warning', onWarning);
            await pool.shutdown();
          }
        },
      ),
      params(80),
    );
  });

  it('a result for a task in flight at another worker, a duplicate, or for no task settles nothing', async () => {
    const factory = injecting();
    const pool = new PoolExecutor({ transport: factory, maxWorkers: 2, maxInFlight: 1 });
    await pool.bootup();
    const t = factory.last!;
    const f = pool.submit(tasks.gate, gate.path, 'held', 'real');
    await gate.arrived('held');
    const [taskId, owner] = [...t.sentTo].find(([, w]) => w !== undefined)!;
    const other = owner === 1 ? 2 : 1;
    const results = (entries: [number, boolean, unknown][]): Frame => {
      const w = new ResultBatchWriter();
      for (const [id, ok, v] of entries) w.add(id, ok, v);
      return w.take()!;
    };
    const wire = { isError: true, name: 'Error', message: 'forged', stack: '', props: {} };
    t.toController(other, results([[taskId, true, 'forged by another worker']]));
    t.toController(other, results([[taskId, false, wire]]));
    t.toController(owner, results([[taskId + 7777, true, 'no such task']]));
    // a failure without an error record, for the task really in flight there: dropped, counted, nothing settled
    t.toController(owner, results([[taskId, false, 'not a WireError']]));
    await new Promise((r) => setTimeout(r, 20));
    expect(f.done()).toBe(false);
    expect(pool.stats().malformedFrames).toBe(1);
    gate.release('held');
    expect(await f).toBe('real');
    t.toController(owner, results([[taskId, true, 'a duplicate']]));
    t.toController(owner, results([[taskId, false, wire]]));
    await new Promise((r) => setTimeout(r, 20));
    expect(await f).toBe('real');
    const s = pool.stats();
    expect([s.completed, s.failed, s.malformedFrames]).toEqual([1, 0, 1]);
    expect(await pool.submit(tasks.add, 2, 3)).toBe(5);
    await pool.shutdown();
  });
});
