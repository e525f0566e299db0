import * as v8 from 'node:v8';
import { MalformedFrameError } from './malformed.js';
import { makeView, viewKind } from './views.js';

/**
 * The v8 serializer as the fallback for values the compact encoding does not cover
 * (Map, Set, Date, RegExp, BigInt, class-less objects with odd shapes, ...). Typed arrays
 * inside such values still travel out of band: v8 hands every ArrayBufferView to
 * `_writeHostObject`, where we record only an index into the frame's buffer list.
 */

const OOB_VIEW = 0;
const INLINE_VIEW = 1;
const INLINE_LIMIT = 1024;

class OobSerializer extends v8.Serializer {
  constructor(private readonly oob: Uint8Array[]) {
    super();
    // Node's own DefaultSerializer does the same: typed arrays reach _writeHostObject.
    (
      this as unknown as { _setTreatArrayBufferViewsAsHostObjects(flag: boolean): void }
    )._setTreatArrayBufferViewsAsHostObjects(true);
  }

  _writeHostObject(view: unknown): void {
    if (!ArrayBuffer.isView(view)) throw new TypeError('value cannot be serialized: unsupported host object');
    const kind = viewKind(view);
    if (kind < 0)
      throw new TypeError(
        `value cannot be serialized: unsupported typed array subclass ${view.constructor.name}`,
      );
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.writeUint32(kind);
    if (view.byteLength >= INLINE_LIMIT && !(view.buffer instanceof SharedArrayBuffer)) {
      this.writeUint32(OOB_VIEW);
      this.writeUint32(this.oob.length);
      this.oob.push(bytes);
    } else {
      this.writeUint32(INLINE_VIEW);
      this.writeUint32(bytes.byteLength);
      this.writeRawBytes(bytes);
    }
  }
}

class OobDeserializer extends v8.Deserializer {
  constructor(
    data: Uint8Array,
    private readonly oob: readonly Uint8Array[],
  ) {
    super(data);
  }

  _readHostObject(): unknown {
    const kind = this.readUint32();
    const mode = this.readUint32();
    if (mode === OOB_VIEW) {
      const index = this.readUint32();
      const bytes = this.oob[index];
      if (bytes === undefined)
        throw new MalformedFrameError(`malformed frame: missing out-of-band buffer ${index}`);
      return makeView(kind, bytes);
    }
    const len = this.readUint32();
    const raw = (this as unknown as { readRawBytes(n: number): Buffer }).readRawBytes(len);
    return makeView(kind, new Uint8Array(raw).slice());
  }
}

export function serializeWithBuffers(value: unknown, oob: Uint8Array[]): Uint8Array {
  const s = new OobSerializer(oob);
  s.writeHeader();
  s.writeValue(value);
  return s.releaseBuffer();
}

/** Reads a value; bytes v8 cannot read (damaged in transit, or hostile) throw MalformedFrameError. */
export function deserializeWithBuffers(bytes: Uint8Array, oob: readonly Uint8Array[]): unknown {
  try {
    const d = new OobDeserializer(bytes, oob);
    d.readHeader();
    return d.readValue();
  } catch (error) {
    if (error instanceof MalformedFrameError) throw error;
    throw new MalformedFrameError(
      `malformed frame: v8 could not read a value: ${(error as Error)?.message}`,
      {
        cause: error,
      },
    );
  }
}
