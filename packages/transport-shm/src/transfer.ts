/**
 * Zero-copy opt-in, like piscina's `move()`: `transfer(value)` marks the ArrayBuffer behind
 * `value` so that the next frame carrying it moves the memory to the other thread (over the
 * link's MessagePort transfer list) instead of copying it through the ring. The sender's
 * buffer is detached (length 0) once the task is dispatched, as with postMessage.
 *
 * The marks live in one WeakSet under a global symbol, so every copy of this package in a
 * process (and core, should it adopt the helper) shares them, in the controller and in
 * workers (a task returns `transfer(result)` to move its result back).
 */

const REGISTRY_KEY = Symbol.for('@futures/transfer');

function registry(): WeakSet<ArrayBuffer> {
  const g = globalThis as unknown as Record<symbol, WeakSet<ArrayBuffer> | undefined>;
  let set = g[REGISTRY_KEY];
  if (set === undefined) {
    set = new WeakSet<ArrayBuffer>();
    g[REGISTRY_KEY] = set;
  }
  return set;
}

/**
 * Marks `value` (an ArrayBuffer, or a typed array / DataView / Buffer spanning its whole
 * buffer) to be moved rather than copied when it travels as a task argument or result.
 * Returns `value`, so it can wrap an argument in place: `pool.submit(fn, transfer(bytes))`.
 *
 * Not moved (copied as usual): a view over part of a larger buffer (e.g. a small pooled
 * Buffer: moving it would detach its neighbours), a SharedArrayBuffer (already shared),
 * and payloads under 1 KiB (core copies those inline, which is cheaper).
 */
export function transfer<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  if (value instanceof ArrayBuffer) {
    registry().add(value);
  } else if (ArrayBuffer.isView(value)) {
    const ab = value.buffer;
    if (ab instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === ab.byteLength)
      registry().add(ab);
  } else {
    throw new TypeError(
      `transfer() takes an ArrayBuffer, a typed array, a DataView or a Buffer, got ${value === null ? 'null' : typeof value}`,
    );
  }
  return value;
}

/** True when `ab` was marked by transfer(); the mark is consumed (a buffer moves once). */
export function takeTransfer(ab: ArrayBuffer): boolean {
  return registry().delete(ab);
}
