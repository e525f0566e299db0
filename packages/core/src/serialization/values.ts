import { type Reader, Writer } from './buffer-io.js';
import { registeredClass, registeredNameOf } from './classes.js';
import { MalformedFrameError } from './malformed.js';
import { deserializeWithBuffers, serializeWithBuffers } from './v8-fallback.js';
import { makeView, viewKind } from './views.js';

/**
 * The compact value encoding. The common task arguments and results (numbers, strings,
 * booleans, null/undefined, plain arrays and plain objects of them, ArrayBuffers and
 * typed arrays) are written directly; anything else goes through the v8 serializer.
 *
 * ArrayBuffer/TypedArray payloads of OOB_THRESHOLD bytes or more are not copied into the
 * frame: the encoder appends a Uint8Array view of their memory to the frame's out-of-band
 * list (like pickle protocol 5) and writes only the index, so a transport can send them
 * straight from the caller's memory.
 */

/** Payloads at least this large travel out of band; smaller ones are copied inline (cheaper). */
export const OOB_THRESHOLD = 1024;

enum Tag {
  Undefined = 0,
  Null = 1,
  True = 2,
  False = 3,
  Int32 = 4,
  Float64 = 5,
  String = 6,
  Array = 7,
  Object = 8,
  ViewOob = 9,
  ViewInline = 10,
  ArrayBufferOob = 11,
  ArrayBufferInline = 12,
  V8 = 13,
  /** An instance of a registered class: its registered name, then its own data properties. */
  Instance = 14,
}

const MAX_DEPTH = 8;
/** Deepest compact nesting a reader accepts: MAX_DEPTH, plus the frame's own levels (a chunk's argument lists). */
const MAX_READ_DEPTH = MAX_DEPTH + 4;

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Writes `value`; out-of-band payloads are appended to `oob`. Throws (a DataCloneError from
 * v8, or a TypeError) when the value cannot be encoded; the caller rewinds the writer.
 */
export function writeValue(w: Writer, value: unknown, oob: Uint8Array[], depth = 0): void {
  switch (typeof value) {
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        w.u8(Tag.Int32);
        w.i32(value);
      } else {
        w.u8(Tag.Float64);
        w.f64(value);
      }
      return;
    case 'string':
      // UTF-8 cannot carry a lone surrogate (encodeInto writes U+FFFD): v8 keeps UTF-16 as is.
      if (!isWellFormed(value)) break;
      w.u8(Tag.String);
      w.str(value);
      return;
    case 'boolean':
      w.u8(value ? Tag.True : Tag.False);
      return;
    case 'undefined':
      w.u8(Tag.Undefined);
      return;
    case 'object':
      if (value === null) {
        w.u8(Tag.Null);
        return;
      }
      if (depth < MAX_DEPTH) {
        if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
          if (writeArray(w, value, oob, depth)) return;
        }
        if (ArrayBuffer.isView(value)) {
          if (writeView(w, value, oob)) return;
        } else if (value instanceof ArrayBuffer) {
          writeArrayBuffer(w, value, oob);
          return;
        } else if (isPlainObject(value)) {
          if (writePlainObject(w, value as Record<string, unknown>, oob, depth)) return;
        } else if (writeInstance(w, value, oob, depth)) {
          return;
        }
      }
      break;
    default:
      break;
  }
  if (typeof value === 'object' && value !== null) warnIfClassInstance(value);
  writeV8(w, value, oob);
}

const warnedClasses = new Set<string>();
// biome-ignore lint/complexity/noBannedTypes: any constructor
const seenConstructors = new WeakSet<Function>();

/** Decoded instances whose class was not registered at the time. */
let pending: { obj: object; name: string }[] = [];

/**
 * Gives the instances decoded before their class was registered their class now; those
 * still unregistered stay plain objects, said once per class. Cheap when there are none.
 */
export function resolvePendingInstances(): void {
  if (pending.length === 0) return;
  const list = pending;
  pending = [];
  for (const { obj, name } of list) {
    const cls = registeredClass(name);
    if (cls !== undefined) Object.setPrototypeOf(obj, cls.prototype as object);
    else warnUnregistered(name);
  }
}

function warnUnregistered(name: string): void {
  if (warnedClasses.has(`unregistered ${name}`)) return;
  warnedClasses.add(`unregistered ${name}`);
  process.emitWarning(
    `futures: an instance of class ${name} arrived, but no class is registered under that name on this side: it is a plain object here. Fix: call registerClass(${name}) in a module this side imports too.`,
    { type: 'FuturesWarning', code: 'FUTURES_CLASS_UNREGISTERED' },
  );
}

/**
 * A class instance travels as the v8 serializer clones it: its own data properties on a
 * plain object, without its class. Said once per class and process, since that surprises
 * (errors are not concerned: thrown ones keep their class, see errors-wire.ts).
 */
function warnIfClassInstance(value: object): void {
  if (value instanceof Error || ArrayBuffer.isView(value)) return; // v8 keeps errors and views (Buffer too)
  const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
  if (typeof ctor !== 'function' || ctor === Object || seenConstructors.has(ctor)) return;
  seenConstructors.add(ctor); // each constructor is looked at once (Date, Map, ... come often)
  if (Function.prototype.toString.call(ctor).endsWith('{ [native code] }')) return; // Map, Date, ...
  const name = (ctor as { name?: string }).name || 'an anonymous class';
  if (warnedClasses.has(name)) return;
  warnedClasses.add(name);
  process.emitWarning(
    `futures: an instance of class ${name} travels as a plain object of its own data properties: its class, methods and private fields stay behind. Pass plain data, or rebuild the instance on the other side.`,
    { type: 'FuturesWarning', code: 'FUTURES_CLASS_INSTANCE' },
  );
}

/** A dense array (false, with nothing written: it has holes, which v8 keeps and this encoding cannot). */
function writeArray(w: Writer, value: unknown[], oob: Uint8Array[], depth: number): boolean {
  const start = w.pos;
  const oobLen = oob.length;
  w.u8(Tag.Array);
  w.varuint(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (item === undefined && !(i in value)) {
      w.pos = start; // a hole (a sparse array: `new Array(1e9)` must not write 1e9 entries)
      oob.length = oobLen;
      return false;
    }
    writeValue(w, item, oob, depth + 1);
  }
  return true;
}

/** String.prototype.isWellFormed (Node 20; ES2024, newer than this package's lib). */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function writePlainObject(
  w: Writer,
  value: Record<string, unknown>,
  oob: Uint8Array[],
  depth: number,
): boolean {
  const keys = Object.keys(value);
  // Symbol keys, getters and non-enumerable properties are the structured-clone edge
  // cases: leave those objects to v8, which applies the real rules.
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  const start = w.pos;
  const oobLen = oob.length;
  w.u8(Tag.Object);
  w.varuint(keys.length);
  for (const key of keys) {
    const desc = Object.getOwnPropertyDescriptor(value, key)!;
    if (!('value' in desc) || !isWellFormed(key)) {
      w.pos = start;
      oob.length = oobLen;
      return false;
    }
    w.str(key);
    writeValue(w, desc.value, oob, depth + 1);
  }
  return true;
}

/** A registered class's instance: name, then own data properties (false: not registered, or not plain data). */
function writeInstance(w: Writer, value: object, oob: Uint8Array[], depth: number): boolean {
  const name = registeredNameOf(value);
  if (name === undefined) return false;
  const start = w.pos;
  const oobLen = oob.length;
  const keys = Object.getOwnPropertyNames(value);
  w.u8(Tag.Instance);
  w.str(name);
  w.varuint(keys.length);
  for (const key of keys) {
    const desc = Object.getOwnPropertyDescriptor(value, key)!;
    if (!('value' in desc) || typeof desc.value === 'function' || !isWellFormed(key)) {
      w.pos = start; // an accessor or a method of its own: not plain data
      oob.length = oobLen;
      return false;
    }
    w.str(key);
    writeValue(w, desc.value, oob, depth + 1);
  }
  return true;
}

function writeView(w: Writer, value: ArrayBufferView, oob: Uint8Array[]): boolean {
  const kind = viewKind(value);
  if (kind < 0) return false; // a subclass: v8 decides
  const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value.byteLength >= OOB_THRESHOLD && !(value.buffer instanceof SharedArrayBuffer)) {
    w.u8(Tag.ViewOob);
    w.u8(kind);
    w.varuint(oob.length);
    oob.push(bytes);
  } else {
    w.u8(Tag.ViewInline);
    w.u8(kind);
    w.varuint(bytes.byteLength);
    w.raw(bytes);
  }
  return true;
}

function writeArrayBuffer(w: Writer, value: ArrayBuffer, oob: Uint8Array[]): void {
  if (value.byteLength >= OOB_THRESHOLD) {
    w.u8(Tag.ArrayBufferOob);
    w.varuint(oob.length);
    oob.push(new Uint8Array(value));
  } else {
    w.u8(Tag.ArrayBufferInline);
    w.varuint(value.byteLength);
    w.raw(new Uint8Array(value));
  }
}

function writeV8(w: Writer, value: unknown, oob: Uint8Array[]): void {
  const bytes = serializeWithBuffers(value, oob);
  w.u8(Tag.V8);
  w.varuint(bytes.byteLength);
  w.raw(bytes);
}

/** Reads one value written by writeValue; `oob` are the frame's out-of-band buffers. */
export function readValue(r: Reader, oob: readonly Uint8Array[], depth = 0): unknown {
  const tag = r.u8();
  // writeValue nests compact containers at most MAX_DEPTH deep (deeper goes to v8); a frame
  // that nests deeper was not written by it, and must not exhaust the stack
  if (depth > MAX_READ_DEPTH && (tag === Tag.Array || tag === Tag.Object || tag === Tag.Instance))
    throw new MalformedFrameError('malformed frame: values nested deeper than any writer nests them');
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.True:
      return true;
    case Tag.False:
      return false;
    case Tag.Int32:
      return r.i32();
    case Tag.Float64:
      return r.f64();
    case Tag.String:
      return r.str();
    case Tag.Array: {
      const n = r.varuint();
      if (n > r.end - r.pos) throw new MalformedFrameError('malformed frame: array longer than the frame');
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, oob, depth + 1);
      return out;
    }
    case Tag.Object: {
      const n = r.varuint();
      if (n * 2 > r.end - r.pos)
        throw new MalformedFrameError('malformed frame: object longer than the frame');
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.str();
        const v = readValue(r, oob, depth + 1);
        if (key === '__proto__')
          Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        else out[key] = v;
      }
      return out;
    }
    case Tag.Instance: {
      const name = r.str();
      const n = r.varuint();
      if (n * 2 > r.end - r.pos)
        throw new MalformedFrameError('malformed frame: instance longer than the frame');
      // Not registered here yet: a plain object for now, given its class by
      // resolvePendingInstances() once the module that registers it was imported (a worker
      // decodes a task's arguments before it imports the task's module).
      const cls = registeredClass(name);
      const out = Object.create(cls === undefined ? Object.prototype : (cls.prototype as object)) as Record<
        string,
        unknown
      >;
      if (cls === undefined) pending.push({ obj: out, name });
      for (let i = 0; i < n; i++) {
        const key = r.str();
        Object.defineProperty(out, key, {
          value: readValue(r, oob, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case Tag.ViewOob: {
      const kind = r.u8();
      return makeView(kind, oobAt(oob, r.varuint()));
    }
    case Tag.ViewInline: {
      const kind = r.u8();
      const bytes = r.raw(r.varuint());
      return makeView(kind, bytes.slice());
    }
    case Tag.ArrayBufferOob:
      return ownBuffer(oobAt(oob, r.varuint()));
    case Tag.ArrayBufferInline:
      return r.raw(r.varuint()).slice().buffer;
    case Tag.V8:
      return deserializeWithBuffers(r.raw(r.varuint()), oob);
    default:
      throw new MalformedFrameError(`malformed frame: unknown value tag ${tag}`);
  }
}

function oobAt(oob: readonly Uint8Array[], i: number): Uint8Array {
  const b = oob[i];
  if (b === undefined) throw new MalformedFrameError(`malformed frame: missing out-of-band buffer ${i}`);
  return b;
}

/** The bytes as a whole ArrayBuffer of their own (copies only when they are a slice of a larger one). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  ) {
    return bytes.buffer;
  }
  return bytes.slice().buffer;
}

/** Encodes a standalone value (for tests and one-off use). */
export function encodeStandalone(value: unknown): { head: Uint8Array; bufs: Uint8Array[] } {
  const w = new Writer(64);
  const bufs: Uint8Array[] = [];
  writeValue(w, value, bufs);
  return { head: w.take(), bufs };
}
