import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Frame } from '@futures/core/transport';
import {
  BUF_ON_PORT,
  PREFIX_BYTES_PER_BUF,
  PREFIX_FIXED_BYTES,
  pad8,
  WHOLE_FRAME_ON_PORT,
} from './layout.js';
import { allocBytes, type Direction, prefixBytes, RingViews, type TransferMessage } from './ring.js';

const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_PART = 8 * 1024;

/**
 * Memory for frame heads: slices of 64 KiB slabs that are never reused (a slab is freed
 * when the last head in it is garbage), like Node's Buffer pool. One allocation per many
 * frames instead of one per frame matters beyond malloc: V8 runs a young-generation GC on
 * an ArrayBuffer allocation whenever large young ArrayBuffers are alive (e.g. a 64 MiB
 * payload that just arrived), so a per-frame allocation would mean a GC per task.
 */
class HeadSlab {
  #slab = new Uint8Array(0);
  #used = 0;

  take(n: number): Uint8Array {
    if (n > SLAB_MAX_PART) return allocBytes(n);
    if (this.#used + n > this.#slab.byteLength) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#used = 0;
    }
    const part = this.#slab.subarray(this.#used, this.#used + n);
    this.#used = pad8(this.#used + n);
    return part;
  }
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
  readonly #heads = new HeadSlab();

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
    return Atomics.load(this.#r.ctl, this.#r.headIdx) >>> 0 !== this.#tail;
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
        this.#frameHead = this.#heads.take(headLen);
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
        const s = this.#segs[this.#seg]!;
        const padded = pad8(s.byteLength);
        if (padded === 0) {
          this.#seg++;
          continue;
        }
        if (avail === 0) break;
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
        if ((this.#tail - this.#released) >>> 0 >= r.quarter) this.#release();
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
    if (got === undefined)
      throw new Error('futures shm: protocol error: a moved buffer is missing from the link port');
    return got.message as TransferMessage;
  }

  #takeWholeFromPort(): Frame {
    const got = receiveMessageOnPort(this.port);
    if (got === undefined)
      throw new Error('futures shm: protocol error: a frame is missing from the link port');
    const f = got.message as Frame;
    return { head: f.head, bufs: f.bufs };
  }
}
