import { MalformedFrameError } from './malformed.js';

/** Typed array kinds on the wire, shared by the compact codec and the v8 fallback. */

/** The typed array kinds (every view kind but DataView and Buffer), in wire order. */
export const TYPED_ARRAY_CTORS = [
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

const VIEW_CTORS = [...TYPED_ARRAY_CTORS, DataView, Buffer] as const;
const BUFFER_KIND = VIEW_CTORS.length - 1;
type ViewCtor = (typeof VIEW_CTORS)[number];

/** The wire kind of a view, or -1 for an unknown subclass. */
export function viewKind(v: ArrayBufferView): number {
  if (Buffer.isBuffer(v)) return BUFFER_KIND;
  const proto = Object.getPrototypeOf(v) as { constructor: unknown };
  const i = VIEW_CTORS.indexOf(proto.constructor as ViewCtor);
  return i;
}

/** A view of `kind` over `bytes` (copied only when misaligned for its element size). */
export function makeView(kind: number, bytes: Uint8Array): ArrayBufferView {
  const Ctor = VIEW_CTORS[kind];
  if (Ctor === undefined) throw new MalformedFrameError(`malformed frame: unknown typed array kind ${kind}`);
  if (Ctor === Uint8Array) return bytes;
  if (Ctor === Buffer) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (Ctor === DataView) return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elem = (Ctor as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  // Typed arrays need an aligned offset; transports deliver fresh buffers, but copy if not.
  const aligned = bytes.byteOffset % elem === 0 ? bytes : bytes.slice();
  if (aligned.byteLength % elem !== 0)
    throw new MalformedFrameError('malformed frame: typed array length not a multiple of its element size');
  return new (Ctor as Float64ArrayConstructor)(
    aligned.buffer as ArrayBuffer,
    aligned.byteOffset,
    aligned.byteLength / elem,
  );
}
