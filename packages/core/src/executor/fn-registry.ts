import { fnSpecOf } from '../task.js';
import type { FnSpec } from '../transport/protocol.js';

/**
 * Gives each distinct task function a small id, so a batch carries an id per call and
 * each worker receives a function's definition once.
 */
export class FnRegistry {
  readonly #byObject = new WeakMap<object, number>();
  readonly #byKey = new Map<string, number>();
  readonly specs: FnSpec[] = [];

  /** The id of a function or TaskRef; throws a TypeError when it cannot be sent. */
  idOf(fn: unknown, what = 'task'): number {
    if ((typeof fn === 'function' || typeof fn === 'object') && fn !== null) {
      const hit = this.#byObject.get(fn);
      if (hit !== undefined) return hit;
    }
    const spec = fnSpecOf(fn, what);
    const key = spec.kind === 'module' ? `m\0${spec.module}\0${spec.exportName}` : `s\0${spec.source}`;
    let id = this.#byKey.get(key);
    if (id === undefined) {
      id = this.specs.length;
      this.specs.push(spec);
      this.#byKey.set(key, id);
    }
    this.#byObject.set(fn as object, id);
    return id;
  }
}
