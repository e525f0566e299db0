/**
 * A growable little-endian byte writer and its reader: the two primitives under the
 * wire encoding. Kept free of allocation on the hot path: one Writer is reused per link.
 */

import { MalformedFrameError } from './malformed.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export class Writer {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialSize = 4096) {
    this.bytes = new Uint8Array(initialSize);
    this.view = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Unsigned integer up to 2^53, 7 bits a byte. */
  varuint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.bytes[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.pos++] = v;
  }

  str(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; ASCII fast path through encodeInto.
    const max = s.length * 3;
    this.ensure(max + 5);
    const lenPos = this.pos;
    this.pos += 5; // reserved for a fixed 5-byte varuint length, patched below
    const { written } = textEncoder.encodeInto(s, this.bytes.subarray(this.pos));
    let len = written;
    for (let i = 0; i < 4; i++) {
      this.bytes[lenPos + i] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    this.bytes[lenPos + 4] = len;
    this.pos += written;
  }

  raw(src: Uint8Array): void {
    this.ensure(src.byteLength);
    this.bytes.set(src, this.pos);
    this.pos += src.byteLength;
  }

  /**
   * A copy of what was written (the writer is reused afterwards). Small copies are views
   * into a shared slab (one ArrayBuffer per SLAB_BYTES of frame heads instead of one per
   * frame: fewer backing stores for the GC to track); a slab region is never written twice,
   * so a view stays valid for as long as anyone holds it. Larger ones get a buffer of their own.
   */
  take(): Uint8Array {
    const n = this.pos;
    if (n > SLAB_MAX_TAKE) return this.bytes.slice(0, n);
    if (slabPos + n > SLAB_BYTES) {
      slab = new Uint8Array(SLAB_BYTES);
      slabPos = 0;
    }
    const out = slab.subarray(slabPos, slabPos + n);
    out.set(this.bytes.subarray(0, n));
    slabPos = (slabPos + n + 7) & ~7; // 8-byte aligned starts, for readers that view floats
    return out;
  }
}

const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_TAKE = 4096;
let slab = new Uint8Array(SLAB_BYTES);
let slabPos = 0;

export class Reader {
  view: DataView;
  pos: number;
  readonly end: number;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.byteLength;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw new MalformedFrameError('truncated frame: read past its end');
  }

  u8(): number {
    this.#need(1);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    this.#need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.#need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  varuint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new MalformedFrameError('malformed frame: varuint too long');
  }

  str(): string {
    const len = this.varuint();
    this.#need(len);
    const s = textDecoder.decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  raw(len: number): Uint8Array {
    this.#need(len);
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}
