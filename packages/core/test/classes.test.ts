import { describe, expect, it } from 'vitest';
import { registerClass } from '../src/index.js';
import { fromWireError, toWireError } from '../src/serialization/errors-wire.js';

const who = { workerId: 3, host: 'h', pid: 42 };

describe('registerClass and errors on the wire', () => {
  it('rebuilds a registered error class without running its constructor; the cause stays the cause', () => {
    class NeedsArgs extends Error {
      override name = 'NeedsArgs';
      constructor(readonly detail: { n: number }) {
        super(`needs ${detail.n}`);
      }
    }
    expect(registerClass(NeedsArgs)).toBe(NeedsArgs);
    const wire = toWireError(new NeedsArgs({ n: 5 }));
    expect(wire.cls).toBe('NeedsArgs');
    const back = fromWireError(wire, who) as NeedsArgs & { remote: Error & { pid: number } };
    expect(back).toBeInstanceOf(NeedsArgs);
    expect(back.detail).toEqual({ n: 5 });
    expect(back.message).toBe('needs 5');
    expect(back.remote.pid).toBe(42);
    expect(back.cause).toBeUndefined();
  });

  it('a name taken by another class goes to the last one registered (a module loaded twice)', () => {
    class A extends Error {}
    class B extends Error {}
    registerClass(A, 'Twice');
    registerClass(B, 'Twice');
    const back = fromWireError(toWireError(new B('b')), who);
    expect(back).toBeInstanceOf(B);
    expect(toWireError(new A('a')).cls).toBe('Twice'); // A still sends under it, and arrives as B
    expect(fromWireError(toWireError(new A('a')), who)).toBeInstanceOf(B);
  });

  it('rejects what is not a class, and a nameless class without a name', () => {
    expect(() => registerClass(42 as never)).toThrow(TypeError);
    expect(() => registerClass((() => class extends Error {})())).toThrow(/needs a name/);
  });
});

describe('class instances as values', () => {
  it('travel as plain objects of their own data, with one warning per class', async () => {
    const { Writer, Reader } = await import('../src/serialization/buffer-io.js');
    const { writeValue, readValue } = await import('../src/serialization/values.js');
    class Point {
      #secret = 1;
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      norm(): number {
        return Math.hypot(this.x, this.y) + this.#secret - 1;
      }
    }
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => {
      if (w.code === 'FUTURES_CLASS_INSTANCE') warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      const roundTrip = (v: unknown): unknown => {
        const w = new Writer();
        const oob: Uint8Array[] = [];
        writeValue(w, v, oob);
        return readValue(new Reader(w.bytes.subarray(0, w.pos)), oob);
      };
      const back = roundTrip({ p: new Point(3, 4) }) as { p: Record<string, unknown> };
      expect(back.p).toEqual({ x: 3, y: 4 });
      expect(Object.getPrototypeOf(back.p)).toBe(Object.prototype);
      roundTrip(new Point(1, 2));
      roundTrip(new Map([[1, 2]])); // a built-in: no warning
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/instance of class Point travels as a plain object/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('registered value classes', () => {
  it('round-trip with their prototype; an unknown name arrives as a plain object, with one warning', async () => {
    // (a class registered only after its instance was decoded gets it at resolvePendingInstances)
    const { Writer, Reader } = await import('../src/serialization/buffer-io.js');
    const { writeValue, readValue, resolvePendingInstances } = await import('../src/serialization/values.js');
    class Vec {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      len(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    registerClass(Vec, 'test.Vec');
    const w = new Writer();
    const oob: Uint8Array[] = [];
    writeValue(w, { v: new Vec(3, 4), list: [new Vec(0, 1)] }, oob);
    const back = readValue(new Reader(w.bytes.subarray(0, w.pos)), oob) as { v: Vec; list: Vec[] };
    expect(back.v).toBeInstanceOf(Vec);
    expect(back.v.len()).toBe(5);
    expect(back.list[0]).toBeInstanceOf(Vec);

    const warnings: string[] = [];
    const onWarning = (e: Error & { code?: string }): void => {
      if (e.code === 'FUTURES_CLASS_UNREGISTERED') warnings.push(e.message);
    };
    process.on('warning', onWarning);
    try {
      // as a sender that registered a class this side never did would write it
      const ghost = new Writer();
      ghost.u8(14);
      ghost.str('NeverRegisteredHere');
      ghost.varuint(1);
      ghost.str('x');
      writeValue(ghost, 7, []);
      const plain = readValue(new Reader(ghost.bytes.subarray(0, ghost.pos)), []) as Record<string, unknown>;
      resolvePendingInstances(); // what a worker does before the task runs (its module is loaded then)
      expect(plain).toEqual({ x: 7 });
      expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/registerClass\(NeverRegisteredHere\)/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('an instance decoded before its class is registered', () => {
  it('gets its class once the class is registered (a worker decodes before it imports the task module)', async () => {
    const { Writer, Reader } = await import('../src/serialization/buffer-io.js');
    const { writeValue, readValue, resolvePendingInstances } = await import('../src/serialization/values.js');
    const w = new Writer();
    w.u8(14);
    w.str('test.Late');
    w.varuint(1);
    w.str('n');
    writeValue(w, 2, []);
    const obj = readValue(new Reader(w.bytes.subarray(0, w.pos)), []) as { n: number; twice(): number };
    class Late {
      n = 0;
      twice(): number {
        return this.n * 2;
      }
    }
    registerClass(Late, 'test.Late');
    resolvePendingInstances();
    expect(obj).toBeInstanceOf(Late);
    expect(obj.twice()).toBe(4);
  });
});
