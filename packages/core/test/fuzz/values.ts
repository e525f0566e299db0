import * as fc from 'fast-check';
import { registerClass } from '../../src/serialization/classes.js';
import { TYPED_ARRAY_CTORS } from '../../src/serialization/views.js';

/** A registered class (both "sides" are this process): instances must come back as Points. */
export class FuzzPoint {
  constructor(
    public x: unknown,
    public y: unknown,
  ) {}
  norm(): number {
    return Math.hypot(Number(this.x), Number(this.y));
  }
}
registerClass(FuzzPoint, 'FuzzPoint');

const VIEW_KINDS = TYPED_ARRAY_CTORS;

/** Random bytes, sometimes past the 1 KiB out-of-band threshold. */
const bytes = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1020, maxLength: 2100 }) },
);

/** A view of every kind, at an offset into a larger buffer (so the codec must cut it out). */
const typedArray = fc
  .record({ kind: fc.integer({ min: 0, max: VIEW_KINDS.length - 1 }), data: bytes, pre: fc.nat(3) })
  .map(({ kind, data, pre }) => {
    const Ctor = VIEW_KINDS[kind]!;
    const elem = Ctor.BYTES_PER_ELEMENT;
    const n = Math.floor(data.length / elem);
    const buf = new ArrayBuffer((pre + 1) * elem + n * elem);
    new Uint8Array(buf, pre * elem, n * elem).set(data.subarray(0, n * elem));
    return new (Ctor as Float64ArrayConstructor)(buf, pre * elem, n);
  });

const dataView = fc.record({ data: bytes, pre: fc.nat(7) }).map(({ data, pre }) => {
  const buf = new ArrayBuffer(pre + data.length + 3);
  new Uint8Array(buf, pre).set(data);
  return new DataView(buf, pre, data.length);
});

const arrayBuffer = bytes.map((b) => b.slice().buffer);
const nodeBuffer = fc.record({ data: bytes, pre: fc.nat(5) }).map(({ data, pre }) => {
  const b = Buffer.alloc(pre + data.length);
  b.set(data, pre);
  return b.subarray(pre);
});

/** Strings: any code unit (lone surrogates included), long ones, and ones past 64 KiB of UTF-8. */
const string = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '\udfff\ud800', '😀'.repeat(3), 'é'.repeat(200)),
  },
);

const leaf = fc.oneof(
  fc.integer(),
  fc.double(), // includes -0, NaN, ±Infinity
  fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 53, Number.MIN_VALUE),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  string,
  fc.date({ noInvalidDate: false }),
  fc
    .record({
      src: fc.constantFrom('a+b', '^\\d{2,}$', '[\\u{1F600}]', '(?<n>x)|y', ''),
      flags: fc.subarray(['g', 'i', 'm', 's', 'u', 'y']),
    })
    .map(({ src, flags }) => new RegExp(src, flags.join(''))),
  typedArray,
  dataView,
  arrayBuffer,
  nodeBuffer,
  fc
    .record({ ctor: fc.constantFrom(Error, TypeError, RangeError, SyntaxError), message: string })
    .map(({ ctor, message }) => new ctor(message)),
);

const key = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', '0', '17', 'length', '\ud800', 'a\udc00'),
  },
);

/** Every kind of value the codec accepts, nested up to ~12 levels (past its depth limit of 8). */
export const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(tie('v'), { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.sparseArray(tie('v'), { maxLength: 20 }) },
    { weight: 2, arbitrary: fc.dictionary(key, tie('v'), { maxKeys: 6 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { minKeys: 50, maxKeys: 300 }),
    },
    { weight: 1, arbitrary: fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 4 }).map((e) => new Map(e)) },
    { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }).map((e) => new Set(e)) },
    { weight: 1, arbitrary: fc.tuple(tie('v'), tie('v')).map(([x, y]) => new FuzzPoint(x, y)) },
    { weight: 1, arbitrary: fc.tuple(tie('v'), fc.nat(11)).map(([v, d]) => nest(v, d)) },
  ),
})).v;

function nest(v: unknown, depth: number): unknown {
  let out = v;
  for (let i = 0; i < depth; i++) out = i % 2 === 0 ? [out] : { d: out };
  return out;
}
