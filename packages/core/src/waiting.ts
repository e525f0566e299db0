import { TimeoutError } from './errors.js';
import { checkTimeout, Future } from './future.js';

export const FIRST_COMPLETED = 'FIRST_COMPLETED';
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
export const ALL_COMPLETED = 'ALL_COMPLETED';
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface WaitOptions {
  /** Milliseconds to wait at most; the call then returns what is done so far. @default Infinity */
  timeout?: number;
  /** When to return. @default ALL_COMPLETED */
  returnWhen?: ReturnWhen;
}

export interface WaitResult<F extends Future<unknown>> {
  done: Set<F>;
  notDone: Set<F>;
}

function failedWithError<T>(f: Future<T>): boolean {
  return f.done() && !f.cancelled() && f._peek().failed;
}

/**
 * Waits for futures, as concurrent.futures.wait: returns once the condition holds or the
 * timeout passes (then `notDone` holds the rest; it never rejects on timeout).
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: WaitOptions = {},
): Promise<WaitResult<F>> {
  const timeout = checkTimeout(options.timeout, 'wait()');
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    return Promise.reject(
      new TypeError(
        `wait(): returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`,
      ),
    );
  }
  const all = new Set(fs);
  const snapshot = (): WaitResult<F> => {
    const done = new Set<F>();
    const notDone = new Set<F>();
    for (const f of all) (f.done() ? done : notDone).add(f);
    return { done, notDone };
  };
  // Counted once per completion (not rescanned), so waiting on many futures stays linear.
  let doneCount = 0;
  let anyFailed = false;
  for (const f of all) {
    if (!f.done()) continue;
    doneCount++;
    if (failedWithError(f)) anyFailed = true;
  }
  const satisfied = (): boolean =>
    doneCount === all.size ||
    (returnWhen === FIRST_COMPLETED && doneCount > 0) ||
    (returnWhen === FIRST_EXCEPTION && anyFailed);
  if (satisfied() || timeout === 0) return Promise.resolve(snapshot());
  return new Promise((resolve) => {
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(snapshot());
    };
    if (timeout !== undefined) timer = setTimeout(finish, timeout);
    for (const f of all) {
      if (f.done()) continue;
      f.addDoneCallback(() => {
        doneCount++;
        if (failedWithError(f)) anyFailed = true;
        if (!finished && satisfied()) finish();
      });
    }
  });
}

export interface AsCompletedOptions {
  /** Milliseconds from the call; the iterator then throws TimeoutError. @default Infinity */
  timeout?: number;
}

/**
 * Yields each distinct future once as it completes (those already done first), as
 * concurrent.futures.as_completed. Throws TimeoutError at the deadline.
 *
 * (A hand-written iterator, not an async generator: `yield` in an async generator would
 * await the Future, since a Future is thenable, and yield its result instead.)
 */
export function asCompleted<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<F> {
  const timeout = checkTimeout(options.timeout, 'asCompleted()');
  return new AsCompletedIterator(new Set(fs), timeout);
}

class AsCompletedIterator<F extends Future<unknown>> implements AsyncIterableIterator<F> {
  readonly #pending = new Set<F>();
  readonly #ready: F[] = [];
  readonly #deadline: number | undefined;
  #wake: (() => void) | null = null;
  #finished = false;

  constructor(
    fs: Set<F>,
    readonly timeout: number | undefined,
  ) {
    this.#deadline = timeout === undefined ? undefined : Date.now() + timeout;
    for (const f of fs) {
      if (f.done()) this.#ready.push(f);
      else this.#pending.add(f);
    }
    for (const f of this.#pending) {
      f.addDoneCallback(() => {
        if (!this.#pending.delete(f)) return;
        this.#ready.push(f);
        const wake = this.#wake;
        this.#wake = null;
        wake?.();
      });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<F>> {
    while (!this.#finished) {
      const f = this.#ready.shift();
      if (f !== undefined) return { done: false, value: f };
      if (this.#pending.size === 0) break;
      const remaining = this.#deadline === undefined ? undefined : this.#deadline - Date.now();
      if (remaining !== undefined && remaining <= 0) {
        this.#finished = true;
        throw new TimeoutError(
          `asCompleted(): ${this.#pending.size} of the futures did not finish in ${this.timeout} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = remaining === undefined ? undefined : setTimeout(resolve, remaining);
        this.#wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#finished = true;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<F>> {
    this.#finished = true;
    this.#pending.clear();
    return { done: true, value: undefined };
  }
}

/**
 * One future of all results, in order (mpi4py.futures.collect). The first failure fails it
 * and cancels the rest; cancelling it cancels them all.
 */
export function collect<T>(fs: Iterable<Future<T>>): Future<T[]> {
  const list = [...fs];
  const out = new Future<T[]>();
  const values = new Array<T>(list.length);
  let remaining = list.length;
  if (remaining === 0) {
    out.setResult(values);
    return out;
  }
  const cancelAll = () => {
    for (const f of list) f.cancel();
  };
  out.addDoneCallback(() => {
    if (out.cancelled()) cancelAll();
  });
  list.forEach((f, i) => {
    f.addDoneCallback(() => {
      if (out.done()) return;
      if (f.cancelled()) {
        out.cancel(); // as mpi4py.futures.collect: the collection is cancelled (its callback cancels the rest)
        return;
      }
      const { failed, value, error } = f._peek();
      if (failed) {
        out.setException(error);
        cancelAll();
        return;
      }
      values[i] = value as T;
      if (--remaining === 0) out.setResult(values);
    });
  });
  return out;
}

export interface ComposeHooks<T, R> {
  /** Maps the result; its return value (or awaited promise) becomes the new result. */
  onResult?: (value: T) => R | PromiseLike<R>;
  /** Handles the error: returning an Error fails the new future with it, anything else becomes its result. */
  onError?: (error: unknown) => unknown;
}

/**
 * A new future settled from `future` through the hooks (mpi4py.futures.compose).
 * Cancelling the new future cancels the original; a cancelled original cancels the new one.
 */
export function compose<T, R = T>(future: Future<T>, hooks: ComposeHooks<T, R> = {}): Future<R> {
  const out = new Future<R>();
  out.addDoneCallback(() => {
    if (out.cancelled()) future.cancel();
  });
  const settleFrom = (value: unknown, isError: boolean) => {
    Promise.resolve(value).then(
      (v) => (isError ? out.setException(v) : out.setResult(v as R)),
      (e: unknown) => out.setException(e),
    );
  };
  future.addDoneCallback((f) => {
    if (f.cancelled()) {
      out.cancel();
      return;
    }
    const { failed, value, error } = f._peek();
    try {
      if (!failed) {
        if (hooks.onResult) settleFrom(hooks.onResult(value as T), false);
        else out.setResult(value as unknown as R);
      } else if (hooks.onError) {
        const handled = hooks.onError(error);
        settleFrom(handled, handled instanceof Error);
      } else {
        out.setException(error);
      }
    } catch (hookError) {
      out.setException(hookError);
    }
  });
  return out;
}
