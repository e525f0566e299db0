import { MessageChannel } from 'node:worker_threads';
import type { Frame } from '@futures/core/transport';
import { describe, expect, it } from 'vitest';
import { Inbox } from '../src/inbox.js';
import { CONTROL_BYTES, TO_WORKER_HEAD, TO_WORKER_TAIL } from '../src/layout.js';
import { Outbox } from '../src/outbox.js';
import { transfer } from '../src/transfer.js';

/** Both ends of one ring in this thread (the wake-ups are no-ops: the test polls). */
function ring(ringBytes: number, largeBytes = 2 ** 40, start = 0) {
  const sab = new SharedArrayBuffer(CONTROL_BYTES + 2 * ringBytes);
  const ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
  ctl[TO_WORKER_HEAD] = start | 0;
  ctl[TO_WORKER_TAIL] = start | 0;
  const { port1, port2 } = new MessageChannel();
  const out = new Outbox(sab, ringBytes, 'to-worker', ctl, port1, () => {}, largeBytes);
  const inbox = new Inbox(sab, ringBytes, 'to-worker', ctl, port2, () => {});
  const close = () => {
    port1.close();
    port2.close();
  };
  return { out, inbox, close };
}

function frame(headLen: number, bufLens: number[], seed: number): Frame {
  const bytes = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + s) & 0xff);
  return { head: bytes(headLen, seed), bufs: bufLens.map((n, k) => bytes(n, seed + k + 1)) };
}

/** Sends every frame, polling whenever the ring is full, and returns what arrived. */
function roundTrip(r: ReturnType<typeof ring>, frames: Frame[]): Frame[] {
  const got: Frame[] = [];
  const copies = frames.map((f) => ({ head: f.head.slice(), bufs: f.bufs.map((b) => b.slice()) }));
  for (const f of frames) {
    r.out.send(f);
    for (let guard = 0; r.out.pending; guard++) {
      r.inbox.poll((x) => got.push(x));
      r.out.pump();
      if (guard > 1e6) throw new Error('no progress');
    }
  }
  r.inbox.poll((x) => got.push(x));
  expect(got).toHaveLength(frames.length);
  got.forEach((g, i) => {
    expect(Buffer.from(g.head).equals(Buffer.from(copies[i]!.head))).toBe(true);
    expect(g.bufs.map((b) => b.byteLength)).toEqual(copies[i]!.bufs.map((b) => b.byteLength));
    g.bufs.forEach((b, k) => {
      expect(Buffer.from(b).equals(Buffer.from(copies[i]!.bufs[k]!))).toBe(true);
      expect(b.buffer).toBeInstanceOf(ArrayBuffer); // fresh, unshared memory
    });
  });
  return got;
}

describe('ring buffer framing', () => {
  it('carries frames of every shape, in order, across the end of the ring', () => {
    const r = ring(4096);
    const frames: Frame[] = [];
    for (let i = 0; i < 200; i++)
      frames.push(frame((i * 13) % 300, i % 3 === 0 ? [] : [1 + ((i * 101) % 2000)], i));
    frames.push(frame(0, [], 1), frame(5, [0, 0], 2), frame(3, [1, 2, 3, 4, 5, 6, 7, 8], 3));
    roundTrip(r, frames);
    r.close();
  });

  it('streams frames many times larger than the ring', () => {
    const r = ring(4096);
    roundTrip(r, [frame(50_000, [], 1), frame(10, [300_000, 7], 2), frame(4095, [4096, 4097], 3)]);
    r.close();
  });

  it('keeps working when the 32-bit positions wrap around', () => {
    const r = ring(8192, 2 ** 40, -3000); // positions start 3000 bytes before 2^32
    const frames = Array.from({ length: 50 }, (_, i) => frame(100 + i * 37, [1500 + i], i));
    roundTrip(r, frames);
    r.close();
  });

  it('moves large and transferred buffers over the port instead of the ring', () => {
    const r = ring(4096, 10_000);
    const big = frame(8, [50_000, 20], 1); // the 50 kB buffer is copied once and moved
    roundTrip(r, [big]);
    const own = new Uint8Array(3000).fill(9);
    const moved: Frame = { head: new Uint8Array([1, 2, 3]), bufs: [transfer(own)] };
    const got: Frame[] = [];
    r.out.send(moved);
    expect(own.byteLength).toBe(0); // detached: moved, not copied
    r.inbox.poll((f) => got.push(f));
    expect(got[0]!.bufs[0]!.byteLength).toBe(3000);
    expect(got[0]!.bufs[0]![2999]).toBe(9);
    r.close();
  });
});
