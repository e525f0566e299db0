import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Frame } from '@futures/core/transport';
import {
  BUF_ON_PORT,
  CONTROL_BYTES,
  PREFIX_BYTES_PER_BUF,
  PREFIX_FIXED_BYTES,
  pad8,
  TO_CTRL_HEAD,
  TO_CTRL_TAIL,
  TO_WORKER_HEAD,
  TO_WORKER_TAIL,
  WHOLE_FRAME_ON_PORT,
} from './layout.js';
import { takeTransfer } from './transfer.js';

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
class RingViews {
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

/** A frame waiting (wholly or partly) to be written. */
interface Pending {
  headLen: number;
  lens: number[];
  /** Parts that travel through the ring: the head, then each buffer not moved over the port. */
  segs: Uint8Array[];
  prefixDone: boolean;
  seg: number;
  /** Bytes of segs[seg] already written, padding included. */
  off: number;
}

const NO_LENS: number[] = [];

/** Message carrying the buffers of one frame that were moved (transfer()) instead of copied. */
interface TransferMessage {
  /** Distinct ArrayBuffers, moved. */
  b: ArrayBuffer[];
  /** Per moved frame buffer, in order: index into b, byteOffset, byteLength. */
  v: number[];
}

/** The producer end of a ring, with a FIFO of frames that did not fit yet. */
export class Outbox {
  readonly #r: RingViews;
  #head: number;
  #published: number;
  readonly #queue: Pending[] = [];
  #qHead = 0;

  /**
   * @param wakeReader called after new bytes are published: wakes the consumer if it
   *   announced it is waiting (coalesced there with an Atomics.exchange on its flag).
   */
  constructor(
    link: SharedArrayBuffer,
    ringBytes: number,
    dir: Direction,
    ctl: Int32Array,
    readonly port: MessagePort,
    readonly wakeReader: () => void,
  ) {
    this.#r = new RingViews(link, ringBytes, dir, ctl);
    this.#head = Atomics.load(ctl, this.#r.headIdx) >>> 0;
    this.#published = this.#head;
  }

  /** Frames (or parts) not yet in the ring. */
  get pending(): boolean {
    return this.#qHead < this.#queue.length;
  }

  #free(): number {
    const r = this.#r;
    return r.size - ((this.#head - (Atomics.load(r.ctl, r.tailIdx) >>> 0)) >>> 0);
  }

  /** True when the first pending frame could make progress now (the re-check before sleeping). */
  canProgress(): boolean {
    const p = this.#queue[this.#qHead];
    if (p === undefined) return false;
    return this.#free() >= (p.prefixDone ? 8 : prefixBytes(p.lens.length));
  }

  /** Queues a frame and writes as much of it as fits. Never blocks. */
  send(frame: Frame): void {
    const bufs = frame.bufs;
    let lens = NO_LENS;
    let segs: Uint8Array[];
    if (bufs.length === 0) {
      segs = [frame.head];
    } else {
      if (prefixBytes(bufs.length) > this.#r.size / 2) {
        this.#sendWholeOnPort(frame);
        return;
      }
      lens = new Array<number>(bufs.length);
      segs = [frame.head];
      let moved: TransferMessage | null = null;
      for (let i = 0; i < bufs.length; i++) {
        const b = bufs[i]!;
        const ab = b.buffer;
        if (b.byteLength > 0 && ab instanceof ArrayBuffer && takeTransfer(ab)) {
          moved ??= { b: [], v: [] };
          let k = moved.b.indexOf(ab);
          if (k < 0) k = moved.b.push(ab) - 1;
          moved.v.push(k, b.byteOffset, b.byteLength);
          lens[i] = BUF_ON_PORT;
        } else {
          lens[i] = b.byteLength;
          segs.push(b);
        }
      }
      // Posted before the prefix that refers to it is written: the reader will find it.
      if (moved !== null) this.port.postMessage(moved, moved.b);
    }
    const p: Pending = { headLen: frame.head.byteLength, lens, segs, prefixDone: false, seg: 0, off: 0 };
    this.#queue.push(p);
    if (this.#queue.length - this.#qHead === 1) this.pump();
  }

  #sendWholeOnPort(frame: Frame): void {
    // Only for frames with so many buffers that their prefix would not fit in half a ring.
    this.port.postMessage({ head: frame.head, bufs: frame.bufs });
    this.#queue.push({ headLen: WHOLE_FRAME_ON_PORT, lens: NO_LENS, segs: [], prefixDone: false, seg: 0, off: 0 });
    if (this.#queue.length - this.#qHead === 1) this.pump();
  }

  /** Writes queued frames while there is room; returns true when nothing is left pending. */
  pump(): boolean {
    const r = this.#r;
    let free = this.#free();
    while (this.#qHead < this.#queue.length) {
      const p = this.#queue[this.#qHead]!;
      if (!p.prefixDone) {
        // A prefix is written whole, so the reader never sees half of one.
        const need = prefixBytes(p.lens.length);
        if (free < need) free = this.#free();
        if (free < need) break;
        let pos = this.#head;
        const at = (pos & r.mask) >> 2;
        r.i32[at] = p.headLen;
        r.i32[at + 1] = p.lens.length;
        pos += PREFIX_FIXED_BYTES;
        for (let i = 0; i < p.lens.length; i++) {
          r.f64[(pos & r.mask) >> 3] = p.lens[i]!;
          pos += PREFIX_BYTES_PER_BUF;
        }
        this.#head = pos >>> 0;
        free -= need;
        p.prefixDone = true;
      }
      while (p.seg < p.segs.length) {
        const s = p.segs[p.seg]!;
        const padded = pad8(s.byteLength);
        if (free === 0) free = this.#free();
        if (free === 0) break;
        const n = Math.min(padded - p.off, free);
        const copyEnd = Math.min(p.off + n, s.byteLength);
        if (copyEnd > p.off) this.#copyIn(s, p.off, copyEnd - p.off);
        this.#head = (this.#head + n) >>> 0;
        free -= n;
        p.off += n;
        if (p.off === padded) {
          p.seg++;
          p.off = 0;
        }
        if (((this.#head - this.#published) >>> 0) >= r.quarter) this.#publish();
      }
      if (p.seg < p.segs.length) break;
      this.#queue[this.#qHead++] = undefined as unknown as Pending;
    }
    if (this.#qHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#qHead = 0;
    }
    this.#publish();
    return this.#qHead === this.#queue.length;
  }

  #copyIn(src: Uint8Array, from: number, n: number): void {
    const r = this.#r;
    const at = this.#head & r.mask;
    const first = Math.min(n, r.size - at);
    if (n <= 16 && first === n) {
      const u8 = r.u8;
      for (let i = 0; i < n; i++) u8[at + i] = src[from + i]!;
      return;
    }
    r.u8.set(first === src.byteLength ? src : src.subarray(from, from + first), at);
    if (first < n) r.u8.set(src.subarray(from + first, from + n), 0);
  }

  #publish(): void {
    if (this.#head === this.#published) return;
    this.#published = this.#head;
    Atomics.store(this.#r.ctl, this.#r.headIdx, this.#head | 0);
    this.wakeReader();
  }
}

function prefixBytes(nbufs: number): number {
  return PREFIX_FIXED_BYTES + nbufs * PREFIX_BYTES_PER_BUF;
}

/** Fresh, unshared, aligned memory for a received part (not zero-filled: it is overwritten at once). */
function allocBytes(n: number): Uint8Array {
  if (n < 4096) return new Uint8Array(n);
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/** The consumer end of a ring: reassembles frames, copying each part out into fresh memory. */
export class Inbox {
  readonly #r: RingViews;
  #tail: number;
  #released: number;
  // the frame being received (a frame larger than the ring arrives over several polls)
  #inFrame = false;
  #frameHead: Uint8Array = new Uint8Array(0);
  #frameBufs: Uint8Array[] = [];
  #segs: Uint8Array[] = [];
  #seg = 0;
  #off = 0;

  /**
   * @param wakeWriter called after space is released: wakes the producer if it announced
   *   it waits for room.
   */
  constructor(
    link: SharedArrayBuffer,
    ringBytes: number,
    dir: Direction,
    ctl: Int32Array,
    readonly port: MessagePort,
    readonly wakeWriter: () => void,
  ) {
    this.#r = new RingViews(link, ringBytes, dir, ctl);
    this.#tail = Atomics.load(ctl, this.#r.tailIdx) >>> 0;
    this.#released = this.#tail;
  }

  /** True when unread bytes are in the ring (the re-check before sleeping). */
  available(): boolean {
    return (Atomics.load(this.#r.ctl, this.#r.headIdx) >>> 0) !== this.#tail;
  }

  /**
   * Reads every complete frame in the ring (and any part of a big one), handing each to
   * `deliver` in order. Returns the number of frames delivered. Never blocks.
   */
  poll(deliver: (frame: Frame) => void): number {
    const r = this.#r;
    let head = Atomics.load(r.ctl, r.headIdx) >>> 0;
    let frames = 0;
    for (;;) {
      let avail = (head - this.#tail) >>> 0;
      if (avail === 0) {
        this.#release();
        head = Atomics.load(r.ctl, r.headIdx) >>> 0;
        avail = (head - this.#tail) >>> 0;
        if (avail === 0) break;
      }
      if (!this.#inFrame) {
        if (avail < PREFIX_FIXED_BYTES) break;
        const at = (this.#tail & r.mask) >> 2;
        const headLen = r.i32[at]!;
        const nbufs = r.i32[at + 1]!;
        const need = prefixBytes(nbufs);
        if (avail < need) break; // cannot happen (prefixes are published whole); read it next time
        let pos = this.#tail + PREFIX_FIXED_BYTES;
        if (headLen === WHOLE_FRAME_ON_PORT) {
          this.#tail = pos >>> 0;
          deliver(this.#takeWholeFromPort());
          frames++;
          continue;
        }
        this.#frameHead = allocBytes(headLen);
        this.#segs = [this.#frameHead];
        this.#frameBufs = new Array<Uint8Array>(nbufs);
        let moved: TransferMessage | null = null;
        let movedAt = 0;
        for (let i = 0; i < nbufs; i++) {
          const len = r.f64[(pos & r.mask) >> 3]!;
          pos += PREFIX_BYTES_PER_BUF;
          if (len === BUF_ON_PORT) {
            moved ??= this.#takeMoved();
            const v = moved.v;
            this.#frameBufs[i] = new Uint8Array(moved.b[v[movedAt]!]!, v[movedAt + 1]!, v[movedAt + 2]!);
            movedAt += 3;
          } else {
            const b = allocBytes(len);
            this.#frameBufs[i] = b;
            this.#segs.push(b);
          }
        }
        this.#tail = pos >>> 0;
        this.#inFrame = true;
        this.#seg = 0;
        this.#off = 0;
        avail -= need;
      }
      // Body: copy parts out as far as the bytes go.
      while (this.#seg < this.#segs.length) {
        if (avail === 0) break;
        const s = this.#segs[this.#seg]!;
        const padded = pad8(s.byteLength);
        const n = Math.min(padded - this.#off, avail);
        const copyEnd = Math.min(this.#off + n, s.byteLength);
        if (copyEnd > this.#off) this.#copyOut(s, this.#off, copyEnd - this.#off);
        this.#tail = (this.#tail + n) >>> 0;
        avail -= n;
        this.#off += n;
        if (this.#off === padded) {
          this.#seg++;
          this.#off = 0;
        }
        if (((this.#tail - this.#released) >>> 0) >= r.quarter) this.#release();
      }
      if (this.#seg < this.#segs.length) continue; // more bytes may have arrived: re-read head
      const frame: Frame = { head: this.#frameHead, bufs: this.#frameBufs };
      this.#inFrame = false;
      this.#segs = [];
      frames++;
      deliver(frame);
    }
    this.#release();
    return frames;
  }

  #copyOut(dst: Uint8Array, from: number, n: number): void {
    const r = this.#r;
    const at = this.#tail & r.mask;
    const first = Math.min(n, r.size - at);
    if (n <= 16 && first === n) {
      const u8 = r.u8;
      for (let i = 0; i < n; i++) dst[from + i] = u8[at + i]!;
      return;
    }
    dst.set(r.u8.subarray(at, at + first), from);
    if (first < n) dst.set(r.u8.subarray(0, n - first), from + first);
  }

  #release(): void {
    if (this.#tail === this.#released) return;
    this.#released = this.#tail;
    Atomics.store(this.#r.ctl, this.#r.tailIdx, this.#tail | 0);
    this.wakeWriter();
  }

  #takeMoved(): TransferMessage {
    const got = receiveMessageOnPort(this.port);
    if (got === undefined) throw new Error('futures shm: protocol error: a moved buffer is missing from the link port');
    return got.message as TransferMessage;
  }

  #takeWholeFromPort(): Frame {
    const got = receiveMessageOnPort(this.port);
    if (got === undefined) throw new Error('futures shm: protocol error: a frame is missing from the link port');
    const f = got.message as Frame;
    return { head: f.head, bufs: f.bufs };
  }
}
