import type { MessagePort } from 'node:worker_threads';
import type { Frame } from '@futures/core/transport';
import {
  BUF_ON_PORT,
  PREFIX_BYTES_PER_BUF,
  PREFIX_FIXED_BYTES,
  pad8,
  WHOLE_FRAME_ON_PORT,
} from './layout.js';
import { allocBytes, type Direction, prefixBytes, RingViews, type TransferMessage } from './ring.js';
import { takeTransfer } from './transfer.js';

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
    readonly largeBytes: number,
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
        if (b.byteLength > 0 && ab instanceof ArrayBuffer && (moved?.b.includes(ab) || takeTransfer(ab))) {
          moved ??= { b: [], v: [] };
          let k = moved.b.indexOf(ab);
          if (k < 0) k = moved.b.push(ab) - 1;
          moved.v.push(k, b.byteOffset, b.byteLength);
          lens[i] = BUF_ON_PORT;
        } else if (b.byteLength >= this.largeBytes) {
          // Large: one copy into fresh memory of our own, moved to the other thread. The
          // receiver copies nothing and the ring is not tied up streaming it.
          const copy = allocBytes(b.byteLength);
          copy.set(b);
          moved ??= { b: [], v: [] };
          moved.v.push(moved.b.push(copy.buffer as ArrayBuffer) - 1, 0, b.byteLength);
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
    this.#queue.push({
      headLen: WHOLE_FRAME_ON_PORT,
      lens: NO_LENS,
      segs: [],
      prefixDone: false,
      seg: 0,
      off: 0,
    });
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
        if (padded === 0) {
          p.seg++;
          continue;
        }
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
        if ((this.#head - this.#published) >>> 0 >= r.quarter) this.#publish();
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
