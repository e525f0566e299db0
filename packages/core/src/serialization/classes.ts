/**
 * Classes registered to travel with their identity: a value or error of a registered class
 * is rebuilt on the other side with that class's prototype (so `instanceof` holds), found
 * by a stable name, as Python's pickle finds classes by reference. Both sides register the
 * class, typically at the top level of the module that defines it, which both the program
 * and the task module import. Kept on globalThis under a registered symbol: the runtime and
 * the application may load different copies of this package.
 */

// biome-ignore lint/suspicious/noExplicitAny: a constructor of any signature
export type AnyClass = abstract new (...args: any[]) => unknown;

interface Registry {
  readonly byName: Map<string, AnyClass>;
  readonly byClass: Map<AnyClass, string>;
}

const KEY = Symbol.for('@futures/core/classes');

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  g[KEY] ??= { byName: new Map(), byClass: new Map() };
  return g[KEY];
}

/**
 * Registers `cls` under `name` (default: its own name) so that its instances keep their
 * class on the other side, both ways: errors a task throws, and values passed as arguments
 * or returned (rebuilt on its prototype without running its constructor; `instanceof` and
 * methods work). Register it
 * in a module that both sides import (the task's module, or one it imports). Registering
 * again is harmless. A module loaded twice (e.g. as ESM and CommonJS) registers two classes
 * under one name: instances of both travel under it, and arrive as the one registered last.
 * Returns the class.
 */
export function registerClass<C extends AnyClass>(cls: C, name: string = cls.name): C {
  if (typeof cls !== 'function') throw new TypeError('registerClass(cls): cls must be a class');
  if (typeof name !== 'string' || name === '')
    throw new TypeError('registerClass(cls, name): an anonymous class needs a name; pass one');
  const r = registry();
  // An earlier class under this name keeps sending under it (its instances still travel);
  // what arrives is rebuilt as the class registered last.
  r.byName.set(name, cls);
  r.byClass.set(cls, name);
  return cls;
}

/** The registered name of `value`'s own class, if it is registered. */
export function registeredNameOf(value: object): string | undefined {
  const ctor = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' ? registry().byClass.get(ctor as AnyClass) : undefined;
}

/** The class registered under `name` here, if any. */
export function registeredClass(name: string): AnyClass | undefined {
  return registry().byName.get(name);
}
