import { describe, expect, it } from 'vitest';
import { Reader, Writer } from '../src/serialization/buffer-io.js';
import { encodeStandalone, readValue } from '../src/serialization/values.js';
import {
  decodeControllerMessage,
  decodeWorkerMessage,
  ResultBatchWriter,
  TaskBatchWriter,
} from '../src/transport/frame.js';
import { CallMode } from '../src/transport/protocol.js';

const roundTrip = (v: unknown) => {
  const { head, bufs } = encodeStandalone(v);
  return readValue(new Reader(head), bufs);
};

describe('value codec', () => {
  it('carries large typed arrays out of band, as views of the caller memory (no copy)', () => {
    const big = new Float64Array(1024);
    const { head, bufs } = encodeStandalone({ a: big, b: [big.subarray(8, 600)] });
    expect(bufs).toHaveLength(2);
    expect(bufs[0]!.buffer).toBe(big.buffer);
    expect(bufs[1]!.byteOffset).toBe(64);
    expect(head.byteLength).toBeLessThan(100);
    const back = readValue(
      new Reader(head),
      bufs.map((b) => b.slice()),
    ) as { a: Float64Array; b: Float64Array[] };
    expect(back.a).toEqual(big);
    expect(back.b[0]).toEqual(big.subarray(8, 600));
  });

  it('keeps typed arrays inside v8-encoded values out of band too', () => {
    const payload = new Uint8Array(4096).fill(3);
    const { bufs } = encodeStandalone(new Map([['k', payload]]));
    expect(bufs).toHaveLength(1);
    expect(roundTrip(new Map([['k', payload]]))).toEqual(new Map([['k', payload]]));
  });

  it('copies misaligned out-of-band buffers into aligned typed arrays', () => {
    const src = new Float64Array(
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].concat(Array(200).fill(0)),
    );
    const { head, bufs } = encodeStandalone(src);
    const shifted = new Uint8Array(bufs[0]!.byteLength + 1).subarray(1);
    shifted.set(bufs[0]!);
    expect(readValue(new Reader(head), [shifted])).toEqual(src);
  });

  it('handles strings of every size and plain objects with a __proto__ key safely', () => {
    for (const s of ['', 'a', 'é'.repeat(1000), '😀'.repeat(70_000)]) expect(roundTrip(s)).toBe(s);
    const tricky = JSON.parse('{"__proto__": {"polluted": true}}');
    const back = roundTrip(tricky) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(back)).toEqual(['__proto__']);
  });

  it('rejects malformed input with RangeError instead of crashing', () => {
    expect(() => readValue(new Reader(new Uint8Array([99])), [])).toThrow(RangeError);
    expect(() => readValue(new Reader(new Uint8Array([6, 0x85])), [])).toThrow(RangeError);
    expect(() => readValue(new Reader(new Uint8Array([9, 0, 3])), [])).toThrow(/out-of-band/);
    expect(() => readValue(new Reader(new Uint8Array([7, 0xff, 0xff, 0xff, 0x0f])), [])).toThrow(RangeError);
    expect(() => decodeControllerMessage({ head: new Uint8Array([200]), bufs: [] })).toThrow(RangeError);
  });

  it('writer grows and varuints cover 53 bits', () => {
    const w = new Writer(1);
    for (const n of [0, 127, 128, 2 ** 31, 2 ** 53 - 1]) w.varuint(n);
    const r = new Reader(w.take());
    expect([r.varuint(), r.varuint(), r.varuint(), r.varuint(), r.varuint()]).toEqual([
      0,
      127,
      128,
      2 ** 31,
      2 ** 53 - 1,
    ]);
  });
});

describe('frames', () => {
  it('a task batch rolls back only the call that failed to encode', () => {
    const b = new TaskBatchWriter();
    b.begin([{ fnId: 0, spec: { kind: 'module', module: 'file:///x.js', exportName: 'f' } }]);
    b.add(1, 0, CallMode.Single, [1, 'a']);
    expect(() => b.add(2, 0, CallMode.Single, [() => 1])).toThrow();
    b.add(3, 0, CallMode.Chunk, [[1], [2]]);
    const msg = decodeControllerMessage(b.finish());
    expect(msg.type).toBe('tasks');
    if (msg.type !== 'tasks') return;
    expect(msg.defs).toHaveLength(1);
    expect(msg.calls.map((c) => [c.taskId, c.mode, c.args])).toEqual([
      [1, CallMode.Single, [1, 'a']],
      [3, CallMode.Chunk, [[1], [2]]],
    ]);
  });

  it('a result batch streams results to the sink', () => {
    const r = new ResultBatchWriter();
    expect(r.take()).toBeNull();
    r.add(5, true, { ok: 1 });
    r.add(6, false, 'err');
    const seen: unknown[] = [];
    expect(decodeWorkerMessage(r.take()!, (id, ok, v) => seen.push([id, ok, v]))).toBeNull();
    expect(seen).toEqual([
      [5, true, { ok: 1 }],
      [6, false, 'err'],
    ]);
  });
});
