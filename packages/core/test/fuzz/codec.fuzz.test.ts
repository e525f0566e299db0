import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Reader } from '../../src/serialization/buffer-io.js';
import { registerClass } from '../../src/serialization/classes.js';
import { fromWireError, toWireError } from '../../src/serialization/errors-wire.js';
import { encodeStandalone, readValue } from '../../src/serialization/values.js';
import {
  decodeControllerMessage,
  decodeWorkerMessage,
  ResultBatchWriter,
  TaskBatchWriter,
} from '../../src/transport/frame.js';
import { CallMode } from '../../src/transport/protocol.js';
import { params } from './config.js';
import { differs } from './same.js';
import { value } from './values.js';

/** A copy of a frame as a transport delivers it: fresh buffers, nothing shared with the sender. */
const delivered = (head: Uint8Array, bufs: Uint8Array[]) => ({
  head: head.slice(),
  bufs: bufs.map((b) => b.slice()),
});

class FuzzFailure extends Error {
  code = 'E_FUZZ';
  constructor(
    message: string,
    public detail: unknown,
  ) {
    super(message);
  }
}
registerClass(FuzzFailure, 'FuzzFailure');

describe('codec round trip (property-based)', () => {
  it('every value the codec accepts comes back the same: in process, and from fresh buffers', () => {
    fc.assert(
      fc.property(value, (v) => {
        const { head, bufs } = encodeStandalone(v);
        const same = readValue(new Reader(head), bufs);
        expect(differs(v, same)).toBeNull();
        const copy = delivered(head, bufs);
        const r = new Reader(copy.head);
        expect(differs(v, readValue(r, copy.bufs))).toBeNull();
        expect(r.pos).toBe(r.end); // the whole head was read, nothing left over
      }),
      params(1000),
    );
  });

  it('task batches and result batches carry any arguments and results', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(0xffffffff), fc.array(value, { maxLength: 3 })), { maxLength: 5 }),
        (calls) => {
          const b = new TaskBatchWriter();
          b.begin([{ fnId: 0, spec: { kind: 'source', source: '(x) => x', name: 'f' } }]);
          for (const [id, args] of calls) b.add(id, 0, CallMode.Single, args);
          const f = b.finish();
          const msg = decodeControllerMessage(delivered(f.head, f.bufs));
          if (msg.type !== 'tasks') throw new Error('not a task batch');
          expect(msg.calls.map((c) => c.taskId)).toEqual(calls.map(([id]) => id));
          for (const [i, [, args]] of calls.entries()) expect(differs(args, msg.calls[i]!.args)).toBeNull();

          const rw = new ResultBatchWriter();
          for (const [id, args] of calls) rw.add(id, true, args, id % 1000);
          const rf = rw.take();
          const seen: unknown[][] = [];
          if (rf !== null) decodeWorkerMessage(delivered(rf.head, rf.bufs), (...a) => seen.push(a));
          expect(seen).toHaveLength(calls.length);
          calls.forEach(([id, args], i) => {
            expect(seen[i]!.slice(0, 2)).toEqual([id, true]);
            expect(differs(args, seen[i]![2])).toBeNull();
          });
        },
      ),
      params(300),
    );
  });

  it('thrown values travel the wire error path: class, name, message, code, props and cause', () => {
    const thrown = fc.oneof(
      fc.record({ m: fc.string({ unit: 'binary' }), d: value }).map(({ m, d }) => new FuzzFailure(m, d)),
      fc
        .record({ m: fc.string(), c: fc.string() })
        .map(({ m, c }) => Object.assign(new TypeError(m), { code: c })),
      fc
        .record({ m: fc.string(), inner: fc.string() })
        .map(({ m, inner }) => new Error(m, { cause: new RangeError(inner) })),
      value, // a thrown non-Error
    );
    fc.assert(
      fc.property(thrown, (t) => {
        const rw = new ResultBatchWriter();
        rw.add(7, false, toWireError(t));
        const f = rw.take()!;
        let got: unknown;
        decodeWorkerMessage(delivered(f.head, f.bufs), (_id, ok, wire) => {
          expect(ok).toBe(false);
          got = fromWireError(wire as Parameters<typeof fromWireError>[0], {
            workerId: 1,
            host: 'h',
            pid: 2,
          });
        });
        if (!(t instanceof Error)) {
          // a thrown non-Error comes back as structuredClone gives it (or its string, when it cannot be cloned)
          expect(differs(structuredCloneOr(t), got)).toBeNull();
          return;
        }
        const e = got as Error & { code?: unknown; detail?: unknown; remote?: unknown };
        expect(Object.getPrototypeOf(e)).toBe(Object.getPrototypeOf(t));
        expect([e.name, e.message]).toEqual([t.name, t.message]);
        expect(e.remote).toBeDefined();
        if (t instanceof FuzzFailure) {
          expect(e.code).toBe('E_FUZZ');
          expect(differs(structuredCloneOr(t.detail), e.detail)).toBeNull();
        }
        if ('code' in t) expect(e.code).toBe((t as { code: unknown }).code);
        if (t.cause instanceof Error) expect((e.cause as Error).message).toBe(t.cause.message);
      }),
      params(400),
    );
  });
});

/** What toWireError keeps of a property: its structured clone. */
function structuredCloneOr(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return String(v);
  }
}
