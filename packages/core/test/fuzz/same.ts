import { FuzzPoint } from './values.js';

const MAX_DEPTH = 8; // values.ts: below this the compact encoding hands over to v8

const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Where `back` (what decoding produced) differs from `orig`, as a path and reason; null when
 * they are the same value by the codec's contract (docs/core.md, "Values that travel"):
 * SameValue for primitives (-0 and NaN included), typed arrays/DataViews/Buffers by kind and
 * bytes, holes kept, plain objects by own enumerable keys in order (a null prototype comes
 * back as Object.prototype, as structuredClone does), Map/Set in order, Dates by time,
 * RegExps by source and flags, errors by name and message. A registered class instance
 * keeps its class where the compact encoding writes it (`compact`: every level above it
 * is a dense plain array, a plain object or a registered instance, fewer than 8 deep);
 * inside what v8 encodes it is a plain object of its data (documented).
 */
export function differs(orig: unknown, back: unknown, path = '$', compact = true, depth = 0): string | null {
  if (typeof orig !== 'object' || orig === null) {
    if (typeof orig === 'function') return `${path}: a function in the input`;
    return Object.is(orig, back) ? null : `${path}: ${String(orig)} became ${String(back)}`;
  }
  if (typeof back !== 'object' || back === null) return `${path}: an object became ${String(back)}`;
  if (ArrayBuffer.isView(orig)) {
    if (!ArrayBuffer.isView(back)) return `${path}: a view became something else`;
    const kind = Buffer.isBuffer(orig) ? 'Buffer' : orig.constructor.name;
    const kindBack = Buffer.isBuffer(back) ? 'Buffer' : back.constructor.name;
    if (kind !== kindBack) return `${path}: ${kind} became ${kindBack}`;
    return sameBytes(orig, back) ? null : `${path}: ${kind} bytes differ`;
  }
  if (orig instanceof ArrayBuffer) {
    if (!(back instanceof ArrayBuffer)) return `${path}: an ArrayBuffer became something else`;
    return sameBytes(new Uint8Array(orig), new Uint8Array(back)) ? null : `${path}: ArrayBuffer bytes differ`;
  }
  if (orig instanceof Date)
    return back instanceof Date && Object.is(orig.getTime(), back.getTime()) ? null : `${path}: Date differs`;
  if (orig instanceof RegExp)
    return back instanceof RegExp && back.source === orig.source && back.flags === orig.flags
      ? null
      : `${path}: RegExp differs`;
  if (orig instanceof Error)
    return back instanceof Error &&
      back.name === orig.name &&
      back.message === orig.message &&
      Object.getPrototypeOf(back) === Object.getPrototypeOf(orig)
      ? null
      : `${path}: error ${orig.name}: ${orig.message} became ${String(back)}`;
  if (orig instanceof Map) {
    if (!(back instanceof Map) || back.size !== orig.size) return `${path}: Map differs in size or kind`;
    const a = [...orig];
    const b = [...back];
    for (let i = 0; i < a.length; i++) {
      const d =
        differs(a[i]![0], b[i]![0], `${path}.key(${i})`, false, depth + 1) ??
        differs(a[i]![1], b[i]![1], `${path}.get(${i})`, false, depth + 1);
      if (d) return d;
    }
    return null;
  }
  if (orig instanceof Set) {
    if (!(back instanceof Set) || back.size !== orig.size) return `${path}: Set differs in size or kind`;
    const a = [...orig];
    const b = [...back];
    for (let i = 0; i < a.length; i++) {
      const d = differs(a[i], b[i], `${path}.item(${i})`, false, depth + 1);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(orig)) {
    if (!Array.isArray(back) || back.length !== orig.length) return `${path}: array length differs`;
    let dense = true;
    for (let i = 0; i < orig.length; i++) if (!(i in orig)) dense = false;
    const childCompact = compact && depth < MAX_DEPTH && dense;
    for (let i = 0; i < orig.length; i++) {
      if (i in orig !== i in back) return `${path}[${i}]: a hole ${i in orig ? 'appeared' : 'was filled'}`;
      const d = differs(orig[i], back[i], `${path}[${i}]`, childCompact, depth + 1);
      if (d) return d;
    }
    return null;
  }
  const registered = orig instanceof FuzzPoint;
  if (!registered && !isPlain(orig))
    return `${path}: unexpected input ${Object.prototype.toString.call(orig)}`;
  const keepsClass = registered && compact && depth < MAX_DEPTH;
  if (keepsClass && !(back instanceof FuzzPoint)) return `${path}: a registered instance lost its class`;
  if (!keepsClass && !isPlain(back)) return `${path}: a plain object gained a prototype`;
  const ka = Object.keys(orig);
  const kb = Object.keys(back);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i]))
    return `${path}: keys ${JSON.stringify(ka)} became ${JSON.stringify(kb)}`;
  const childCompact = compact && depth < MAX_DEPTH && ka.every(wellFormed);
  for (const k of ka) {
    const d = differs(
      (orig as Record<string, unknown>)[k],
      Object.getOwnPropertyDescriptor(back, k)?.value,
      `${path}.${JSON.stringify(k)}`,
      childCompact,
      depth + 1,
    );
    if (d) return d;
  }
  return null;
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
