import {
  CONTROL_BYTES,
  PREFIX_BYTES_PER_BUF,
  PREFIX_FIXED_BYTES,
  TO_CTRL_HEAD,
  TO_CTRL_TAIL,
  TO_WORKER_HEAD,
  TO_WORKER_TAIL,
} from './layout.js';

/**
 * The two ends of one ring: Outbox (producer: the only writer of HEAD) and Inbox (consumer:
 * the only writer of TAIL). Both sides of a link use the same classes, mirrored.
 *
 * Publication order: the producer copies bytes into the ring, then Atomics.store(HEAD);
 * the consumer Atomics.load(HEAD), then reads those bytes. The consumer copies bytes out,
 * then Atomics.store(TAIL); the producer Atomics.load(TAIL) before overwriting. Atomics
 * are sequentially consistent, so the plain copies on either side of them are ordered.
 */

export type Direction = 'to-worker' | 'to-controller';

/** Views of one ring's bytes inside a link buffer. */
export class RingViews {
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly mask: number;
  readonly size: number;
  /** Release/publish granule: progress is made visible at least every quarter ring. */
  readonly quarter: number;
  readonly headIdx: number;
  readonly tailIdx: number;

  constructor(
    link: SharedArrayBuffer,
    ringBytes: number,
    dir: Direction,
    readonly ctl: Int32Array,
  ) {
    const start = CONTROL_BYTES + (dir === 'to-worker' ? 0 : ringBytes);
    this.u8 = new Uint8Array(link, start, ringBytes);
    this.i32 = new Int32Array(link, start, ringBytes / 4);
    this.f64 = new Float64Array(link, start, ringBytes / 8);
    this.size = ringBytes;
    this.mask = ringBytes - 1;
    this.quarter = ringBytes / 4;
    this.headIdx = dir === 'to-worker' ? TO_WORKER_HEAD : TO_CTRL_HEAD;
    this.tailIdx = dir === 'to-worker' ? TO_WORKER_TAIL : TO_CTRL_TAIL;
  }
}

/** Message carrying the buffers of one frame that were moved (transfer()) instead of copied. */
export interface TransferMessage {
  /** Distinct ArrayBuffers, moved. */
  b: ArrayBuffer[];
  /** Per moved frame buffer, in order: index into b, byteOffset, byteLength. */
  v: number[];
}

export function prefixBytes(nbufs: number): number {
  return PREFIX_FIXED_BYTES + nbufs * PREFIX_BYTES_PER_BUF;
}

/** Fresh, unshared, aligned memory for a received part (not zero-filled: it is overwritten at once). */
export function allocBytes(n: number): Uint8Array {
  if (n < 4096) return new Uint8Array(n);
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}
