import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PoolExecutor } from '@futures/core';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mpi } from '../src/index.js';
import { HAS_MPI, NO_MPI_REASON } from './support/processes.js';

// Damaged frames from a worker rank, over real MPI: a task running in a spawned worker sends
// them through its own channel (the addon's send, as its runtime's results go) on the pool's
// session, before its own result. The controller must drop and count each that does not
// decode (stats().malformedFrames), settle nothing with them, and keep serving. Fixed seed
// in CI; `node scripts/fuzz.mjs` runs it longer (FUZZ_SEED, FUZZ_RUNS).
const SEED = Number(process.env.FUZZ_SEED ?? 20251215);
const RUNS = Math.max(1, Math.round(25 * Number(process.env.FUZZ_RUNS ?? 1)));
/** Task ids the scheduler may hand out in this file (it counts from 1): frames naming one are not sent. */
const REAL_IDS = 100_000;

interface FrameLike {
  head: Uint8Array;
  bufs: Uint8Array[];
}
interface CoreFrames {
  decodeWorkerMessage(f: FrameLike, sink: (id: number) => void): { type: string; taskIds?: number[] } | null;
  encodeWorkerMessage(msg: unknown): FrameLike;
  ResultBatchWriter: new () => {
    add(id: number, ok: boolean, v: unknown, us?: number): void;
    take(): FrameLike | null;
  };
}
let core: CoreFrames;

/** Sent from inside a worker: the frames go to the controller (rank 0) on `session` through this worker's channel. */
const sendRaw = (frames: [Uint8Array, Uint8Array[]][], session: number): number => {
  const st = (globalThis as Record<symbol, unknown>)[Symbol.for('@futures/transport-mpi/worker-channel')] as {
    engine: {
      send(channel: number, dest: number, session: number, f: { head: Uint8Array; bufs: Uint8Array[] }): void;
    };
    channel: number;
  };
  for (const [head, bufs] of frames) st.engine.send(st.channel, 0, session, { head, bufs });
  return frames.length;
};

type Spec = { kind: number; ids: number[]; ok: boolean[]; text: string };
const spec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.nat(3),
  ids: fc.array(fc.oneof(fc.nat(0xffffffff), fc.constantFrom(0, 0x7fffffff, 0xffffffff)), {
    minLength: 1,
    maxLength: 4,
  }),
  ok: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  text: fc.string({ maxLength: 12 }),
});
type Damage = { op: number; at: number; x: number; extra: Uint8Array };
const damage: fc.Arbitrary<Damage> = fc.record({
  op: fc.nat(5),
  at: fc.nat(),
  x: fc.integer({ min: 1, max: 255 }),
  extra: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

function build(s: Spec): FrameLike {
  const wire = { isError: true, name: 'Error', message: s.text, stack: '', props: {} };
  switch (s.kind) {
    case 0: {
      const w = new core.ResultBatchWriter();
      for (const [i, id] of s.ids.entries()) w.add(id, s.ok[i]!, s.ok[i] ? s.text : wire, i);
      return w.take()!;
    }
    case 1:
      return core.encodeWorkerMessage({
        type: 'ready',
        ready: { workerId: 1, host: s.text, pid: 1, threadId: 0 },
      });
    case 2:
      return core.encodeWorkerMessage({ type: 'init-failed', error: wire });
    default:
      return core.encodeWorkerMessage({ type: 'revoked', taskIds: s.ids });
  }
}

function damaged(f: FrameLike, d: Damage | null): FrameLike {
  const h = f.head.slice();
  if (d === null) return { head: h, bufs: f.bufs };
  switch (d.op) {
    case 0:
      h[d.at % h.length]! ^= d.x;
      return { head: h, bufs: f.bufs };
    case 1:
      return { head: h.slice(0, d.at % h.length), bufs: f.bufs };
    case 2:
      return { head: Uint8Array.from([...h, ...d.extra]), bufs: f.bufs };
    case 3:
      if (h.length >= 5) new DataView(h.buffer).setUint32(1 + (d.at % (h.length - 4)), 0x7fffffff, true); // a count of 2^31
      return { head: h, bufs: f.bufs };
    case 4:
      return { head: d.extra, bufs: [] }; // garbage
    default:
      return { head: h, bufs: [...f.bufs, d.extra] };
  }
}

/** counted: does not decode, or a second ready; skip: names a task id in use, or a valid init-failed (breaks the pool). */
function classify(f: FrameLike): 'counted' | 'ignored' | 'skip' {
  let names = false;
  try {
    const msg = core.decodeWorkerMessage(f, (id) => {
      if (id >= 1 && id <= REAL_IDS) names = true;
    });
    if (msg?.taskIds?.some((id) => id >= 1 && id <= REAL_IDS)) names = true;
    if (names || msg?.type === 'init-failed') return 'skip';
    return msg?.type === 'ready' ? 'counted' : 'ignored';
  } catch {
    return names ? 'skip' : 'counted';
  }
}

/** stats().malformedFrames, which stats() always sets (the type has it optional for old progress messages). */
function drops(pool: PoolExecutor): number {
  const n = pool.stats().malformedFrames;
  if (n === undefined) throw new Error('stats() lacks malformedFrames');
  return n;
}

let p: PoolExecutor;
beforeAll(async () => {
  if (!HAS_MPI) return;
  const url = pathToFileURL(createRequire(import.meta.url).resolve('@futures/core'));
  core = (await import(new URL('transport/frame.js', url).href)) as CoreFrames;
  p = new PoolExecutor({ transport: mpi({ mpiMode: 'spawn' }), maxWorkers: 2 });
  await p.bootup();
});
afterAll(async () => {
  await p?.shutdown();
});

describe.skipIf(!HAS_MPI)(
  `mpi: damaged frames from a worker rank${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`,
  () => {
    it('are dropped and counted, settle nothing, and the pool keeps serving (property-based)', async () => {
      const SESSION = 1; // spawn mode: one session per spawned job (targets.ts)
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(spec, fc.option(damage, { freq: 5 })), { minLength: 1, maxLength: 20 }),
          async (items) => {
            const frames: [Uint8Array, Uint8Array[]][] = [];
            let expected = 0;
            for (const [s, d] of items) {
              const f = damaged(build(s), d);
              const c = classify(f);
              if (c === 'skip') continue;
              if (c === 'counted') expected++;
              frames.push([f.head, f.bufs]);
            }
            const base = drops(p);
            const done = p.stats().completed;
            const normal = Array.from({ length: 16 }, (_, i) => p.submit((x: number) => x * 2, i));
            expect(await p.submit(sendRaw, frames, SESSION)).toBe(frames.length);
            expect(await Promise.all(normal)).toEqual(normal.map((_, i) => i * 2));
            const end = Date.now() + 10_000;
            while (drops(p) - base < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
            const s = p.stats();
            expect(drops(p) - base).toBe(expected);
            expect([s.completed - done, s.failed]).toEqual([17, 0]);
          },
        ),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      expect(drops(p)).toBeGreaterThan(0);
    });
  },
);
