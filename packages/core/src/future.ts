import { CancelledError, TimeoutError } from './errors.js';

/** The life of a future, as in concurrent.futures. */
export type FutureState = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'FINISHED';

// Method-style (bivariant) so that a Future<number> is usable where a Future<unknown> is expected.
type DoneCallback<T> = { bivarianceHack(future: Future<T>): void }['bivarianceHack'];

/**
 * Hook an executor installs to learn that a queued future was cancelled: an object (the
 * executor's job) rather than a closure, so that a queued task costs no function and context.
 */
export interface CancelHook {
  futureCancelled(): void;
}

/**
 * The eventual result of a task. Settles exactly once: with a result, an error, or
 * cancellation. `await future` works (it is PromiseLike); `result(timeoutMs)` adds a
 * deadline; `cancel()` succeeds only while the task is still queued (PENDING).
 *
 * A Future creates no Promise until one is asked for, so an unobserved failure never
 * becomes an unhandled rejection, and the per-task cost stays small.
 */
export class Future<T> implements PromiseLike<T> {
  #state: FutureState = 'PENDING';
  #value: T | undefined;
  #error: unknown;
  #failed = false;
  // Stored untyped so that Future stays covariant in T (Future<number> is a Future<unknown>).
  #callbacks: unknown[] | null = null;
  #promise: Promise<T> | null = null;
  // Typed loosely for the same variance reason as #callbacks.
  #resolvePromise: ((value: never) => void) | null = null;
  #rejectPromise: ((error: unknown) => void) | null = null;
  /** @internal Set by the executor: removes the task from its queue on cancel(). */
  _onCancel: CancelHook | null = null;

  /** Attempts to cancel. True if the future is now cancelled; false once running or finished. */
  cancel(): boolean {
    if (this.#state === 'CANCELLED') return true;
    if (this.#state !== 'PENDING') return false;
    this.#state = 'CANCELLED';
    this.#failed = true;
    this.#error = new CancelledError();
    const hook = this._onCancel;
    this._onCancel = null;
    hook?.futureCancelled();
    this.#settle();
    return true;
  }

  cancelled(): boolean {
    return this.#state === 'CANCELLED';
  }

  running(): boolean {
    return this.#state === 'RUNNING';
  }

  done(): boolean {
    return this.#state === 'CANCELLED' || this.#state === 'FINISHED';
  }

  /** The current state (PENDING, RUNNING, CANCELLED or FINISHED). */
  get state(): FutureState {
    return this.#state;
  }

  /**
   * The task's result. Rejects with the task's error, a CancelledError, or a
   * TimeoutError if `timeoutMs` passes first (the future itself is not affected).
   */
  result(timeoutMs?: number): Promise<T> {
    checkTimeout(timeoutMs, 'result()');
    if (this.done()) return this.#failed ? Promise.reject(this.#error) : Promise.resolve(this.#value as T);
    return withTimeout(this.#ensurePromise(), timeoutMs, 'result()');
  }

  /**
   * The task's error, or undefined when it succeeded. Rejects with CancelledError when
   * cancelled and with TimeoutError if `timeoutMs` passes first.
   */
  async exception(timeoutMs?: number): Promise<unknown> {
    if (!this.done()) {
      await withTimeout(
        this.#ensurePromise().then(
          () => undefined,
          () => undefined,
        ),
        timeoutMs,
        'exception()',
      );
    }
    if (this.#state === 'CANCELLED') throw this.#error;
    return this.#failed ? this.#error : undefined;
  }

  /** Calls `fn(this)` when the future settles; at once when it already has. */
  addDoneCallback(fn: DoneCallback<T>): void {
    if (typeof fn !== 'function') throw new TypeError('addDoneCallback(fn): fn must be a function');
    if (this.done()) {
      runCallback(fn, this);
      return;
    }
    if (this.#callbacks === null) this.#callbacks = [fn];
    else this.#callbacks.push(fn);
  }

  // biome-ignore lint/suspicious/noThenProperty: a Future is deliberately PromiseLike so that `await future` works.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.result().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.result().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.result().finally(onfinally);
  }

  /**
   * Moves PENDING to RUNNING. Returns false when the future was cancelled meanwhile
   * (the caller must then drop the task). For executor implementations.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === 'CANCELLED') return false;
    if (this.#state !== 'PENDING') throw new Error(`future in state ${this.#state} cannot start running`);
    this.#state = 'RUNNING';
    this._onCancel = null;
    return true;
  }

  /** Settles with a result. For executor implementations and tests; ignored once done. */
  setResult(value: T): void {
    if (this.done()) return;
    this.#state = 'FINISHED';
    this.#value = value;
    this._onCancel = null;
    this.#settle();
  }

  /** Settles with an error. For executor implementations and tests; ignored once done. */
  setException(error: unknown): void {
    if (this.done()) return;
    this.#state = 'FINISHED';
    this.#failed = true;
    this.#error = error;
    this._onCancel = null;
    this.#settle();
  }

  /** @internal Synchronous access for the executor's map/collect fast paths (only when done()). */
  _peek(): { failed: boolean; value: T | undefined; error: unknown } {
    return { failed: this.#failed, value: this.#value, error: this.#error };
  }

  #ensurePromise(): Promise<T> {
    if (this.#promise === null) {
      this.#promise = new Promise<T>((resolve, reject) => {
        this.#resolvePromise = resolve;
        this.#rejectPromise = reject;
      });
    }
    return this.#promise;
  }

  #settle(): void {
    if (this.#promise !== null) {
      if (this.#failed) this.#rejectPromise!(this.#error);
      else (this.#resolvePromise as (value: T) => void)(this.#value as T);
      this.#resolvePromise = null;
      this.#rejectPromise = null;
    }
    const callbacks = this.#callbacks;
    if (callbacks !== null) {
      this.#callbacks = null;
      for (const fn of callbacks) runCallback(fn as DoneCallback<T>, this);
    }
  }
}

function runCallback<T>(fn: DoneCallback<T>, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    // concurrent.futures logs and continues: one bad callback must not stop the others.
    process.emitWarning(`a Future done-callback threw: ${String((error as Error)?.stack ?? error)}`, {
      code: 'FUTURES_CALLBACK_ERROR',
    });
  }
}

/** Validates a timeout argument (ms, finite or Infinity, >= 0; undefined/null means none). */
export function checkTimeout(timeoutMs: number | undefined | null, what: string): number | undefined {
  if (timeoutMs === undefined || timeoutMs === null) return undefined;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`${what}: timeout must be a number of milliseconds >= 0, got ${String(timeoutMs)}`);
  }
  return timeoutMs === Number.POSITIVE_INFINITY ? undefined : timeoutMs;
}

function withTimeout<V>(promise: Promise<V>, timeoutMs: number | undefined, what: string): Promise<V> {
  const ms = checkTimeout(timeoutMs, what);
  if (ms === undefined) return promise;
  return new Promise<V>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
