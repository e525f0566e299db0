import * as fc from 'fast-check';
import {
  encodeControllerMessage,
  encodeWorkerMessage,
  type Frame,
  ResultBatchWriter,
  TaskBatchWriter,
} from '../../src/transport/frame.js';
import { CallMode, type FnSpec } from '../../src/transport/protocol.js';
import { value } from './values.js';

/** Small values for frame payloads (the codec properties cover the big ones). */
const payload = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.double(), value);
const taskId = fc.oneof(fc.nat(0xffffffff), fc.constantFrom(0, 1, 2, 0x7fffffff, 0xffffffff));
const spec: fc.Arbitrary<FnSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('module' as const),
    module: fc.constant('node:path'),
    exportName: fc.constant('basename'),
  }),
  fc.record({
    kind: fc.constant('source' as const),
    source: fc.constant('(a, b) => a + b'),
    name: fc.constant('add'),
  }),
);

/** Valid worker → controller frames, from the real encoders (results, ready, init-failed, revoked). */
export const workerFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.array(fc.tuple(taskId, fc.boolean(), payload, fc.nat()), { minLength: 1, maxLength: 6 }).map((rs) => {
    const w = new ResultBatchWriter();
    for (const [id, ok, v, us] of rs)
      w.add(id, ok, ok ? v : { isError: true, name: 'Error', message: typeof v, stack: '', props: {} }, us);
    return w.take()!;
  }),
  fc
    .record({ workerId: fc.nat(), host: fc.string(), pid: fc.nat(), threadId: fc.nat() })
    .map((ready) => encodeWorkerMessage({ type: 'ready', ready })),
  fc.string().map((m) =>
    encodeWorkerMessage({
      type: 'init-failed',
      error: { isError: true, name: 'Error', message: m, stack: '', props: {} },
    }),
  ),
  fc.array(taskId, { maxLength: 8 }).map((taskIds) => encodeWorkerMessage({ type: 'revoked', taskIds })),
);

/** Valid controller → worker frames (init, task batches, abort, stop, revoke). */
export const controllerFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc
    .record({ workerId: fc.nat(), initargs: fc.array(payload, { maxLength: 2 }) })
    .map(({ workerId, initargs }) =>
      encodeControllerMessage({
        type: 'init',
        init: { workerId, initializer: null, initargs, env: null, cwd: null },
      }),
    ),
  fc
    .record({
      defs: fc.array(fc.tuple(fc.nat(20), spec), { maxLength: 2 }),
      calls: fc.array(fc.tuple(taskId, fc.nat(20), fc.array(payload, { maxLength: 3 })), { maxLength: 5 }),
    })
    .map(({ defs, calls }) => {
      const b = new TaskBatchWriter();
      b.begin(defs.map(([fnId, s]) => ({ fnId, spec: s })));
      for (const [id, fnId, args] of calls) b.add(id, fnId, CallMode.Single, args);
      return b.finish();
    }),
  fc
    .tuple(taskId, payload)
    .map(([id, reason]) => encodeControllerMessage({ type: 'abort', taskId: id, reason })),
  fc.constant(null).map(() => encodeControllerMessage({ type: 'stop' })),
  fc.nat().map((count) => encodeControllerMessage({ type: 'revoke', count })),
);

type Mutation = (f: Frame) => Frame;

const bytePos = fc.nat();
/** The ways a frame gets damaged: flipped/overwritten bytes, truncation, extension, splices, huge length fields, lost or extra buffers, garbage. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(bytePos, fc.integer({ min: 1, max: 255 })).map(([p, x]) => (f: Frame) => {
    const h = f.head.slice();
    if (h.length > 0) h[p % h.length]! ^= x;
    return { head: h, bufs: f.bufs };
  }),
  bytePos.map((p) => (f: Frame) => ({ head: f.head.slice(0, p % (f.head.length + 1)), bufs: f.bufs })),
  fc
    .uint8Array({ minLength: 1, maxLength: 32 })
    .map((extra) => (f: Frame) => ({ head: concat(f.head, extra), bufs: f.bufs })),
  fc.tuple(bytePos, fc.uint8Array({ maxLength: 16 }), fc.nat(8)).map(([p, ins, del]) => (f: Frame) => {
    const at = p % (f.head.length + 1);
    return {
      head: concat(f.head.subarray(0, at), ins, f.head.subarray(Math.min(f.head.length, at + del))),
      bufs: f.bufs,
    };
  }),
  fc
    .tuple(bytePos, fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0x10000))
    .map(([p, n]) => (f: Frame) => {
      // a length or count that claims 2^31 (or 2^32-1) entries
      const h = f.head.slice();
      if (h.length >= 5)
        new DataView(h.buffer, h.byteOffset, h.byteLength).setUint32(1 + (p % (h.length - 4)), n, true);
      return { head: h, bufs: f.bufs };
    }),
  fc.tuple(bytePos, fc.constantFrom(0xff, 0x80, 0x7f)).map(([p, b]) => (f: Frame) => {
    // a run of continuation bytes: a varuint that claims up to 2^56
    const h = f.head.slice();
    for (let i = p % Math.max(1, h.length); i < Math.min(h.length, (p % Math.max(1, h.length)) + 8); i++)
      h[i] = b;
    return { head: h, bufs: f.bufs };
  }),
  fc.constant((f: Frame) => ({ head: f.head, bufs: f.bufs.slice(1) })),
  fc.uint8Array({ maxLength: 64 }).map((b) => (f: Frame) => ({ head: f.head, bufs: [...f.bufs, b] })),
  fc.uint8Array({ maxLength: 64 }).map((head) => () => ({ head, bufs: [] })),
  fc
    .tuple(fc.constantFrom(1, 2, 3, 4, 5, 16, 17, 18, 19), fc.uint8Array({ maxLength: 48 }))
    .map(([tag, rest]) => () => ({ head: concat(Uint8Array.of(tag), rest), bufs: [] })),
);

/** A valid frame damaged by one to three mutations (or left intact now and then). */
export function mutated(frames: fc.Arbitrary<Frame>): fc.Arbitrary<Frame> {
  return fc.oneof(
    { weight: 1, arbitrary: frames },
    {
      weight: 6,
      arbitrary: fc
        .tuple(frames, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([f, ms]) =>
          ms.reduce<Frame>((acc, m) => m(acc), { head: f.head.slice(), bufs: f.bufs.map((b) => b.slice()) }),
        ),
    },
  );
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
