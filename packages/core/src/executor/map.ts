import { TimeoutError } from '../errors.js';
import { checkTimeout, type Future } from '../future.js';
import { CallMode } from '../transport/protocol.js';
import type { MapOptions } from './options.js';

type Submit = (mode: CallMode, args: unknown[]) => Future<unknown>;

function positiveInt(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`map(): ${name} must be an integer >= 1, got ${String(v)}`);
  if (v < 1) throw new RangeError(`map(): ${name} must be >= 1, got ${v}`);
  return v;
}

/**
 * map/starmap as concurrent.futures and mpi4py.futures define them: options validated at
 * the call; submission starts at the call (all at once, or at most `buffersize` chunks
 * ahead of the consumer); results in input order unless `unordered`; the timeout counts
 * from the call; an error, a timeout or leaving the loop early cancels what is queued.
 */
export function runMap(
  submit: Submit,
  iterable: Iterable<unknown> | AsyncIterable<unknown>,
  options: MapOptions,
  star: boolean,
): AsyncIterableIterator<unknown> {
  const chunksize = positiveInt('chunksize', options.chunksize) ?? 1;
  const buffersize = positiveInt('buffersize', options.buffersize);
  const unordered = options.unordered ?? false;
  if (buffersize !== undefined && unordered) {
    throw new TypeError(
      'map(): buffersize cannot be combined with unordered: true (results must be consumed in order to bound them)',
    );
  }
  const timeout = checkTimeout(options.timeout, 'map()');
  const deadline = timeout === undefined ? undefined : performance.now() + timeout;
  const isAsync = typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
  if (!isAsync && typeof (iterable as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('map(): the items must be an iterable or an async iterable');
  }
  return new MapRun(submit, iterable, { chunksize, buffersize, unordered, deadline, timeout, star, isAsync });
}

interface RunSettings {
  chunksize: number;
  buffersize: number | undefined;
  unordered: boolean;
  deadline: number | undefined;
  timeout: number | undefined;
  star: boolean;
  isAsync: boolean;
}

class MapRun implements AsyncIterableIterator<unknown> {
  /** Submitted, not yet yielded, in submission order (ordered mode). */
  readonly #window: Future<unknown>[] = [];
  /** Completed, not yet yielded (unordered mode). */
  readonly #completed: Future<unknown>[] = [];
  readonly #all = new Set<Future<unknown>>();
  readonly #source: Iterator<unknown> | AsyncIterator<unknown>;
  #exhausted = false;
  #sourceError: { error: unknown } | null = null;
  #pumping: Promise<void> | null = null;
  #closed = false;
  #pendingValues: unknown[] = [];
  #wake: (() => void) | null = null;

  constructor(
    readonly submitFn: Submit,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    readonly s: RunSettings,
  ) {
    this.#source = s.isAsync
      ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (iterable as Iterable<unknown>)[Symbol.iterator]();
    if (!s.isAsync) this.#fillSync();
    else this.#pumping = this.#fillAsync();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #room(): boolean {
    return this.s.buffersize === undefined || this.#all.size < this.s.buffersize;
  }

  #submitChunk(items: unknown[]): void {
    let f: Future<unknown>;
    if (this.s.chunksize === 1)
      f = this.submitFn(CallMode.Single, this.s.star ? (items[0] as unknown[]) : [items[0]]);
    else f = this.submitFn(CallMode.Chunk, this.s.star ? items : items.map((x) => [x]));
    this.#all.add(f);
    if (this.s.unordered) {
      f.addDoneCallback(() => {
        this.#completed.push(f);
        this.#notify();
      });
    } else {
      this.#window.push(f);
      f.addDoneCallback(() => this.#notify());
    }
  }

  #fillSync(): void {
    const it = this.#source as Iterator<unknown>;
    try {
      while (!this.#exhausted && this.#room()) {
        const chunk: unknown[] = [];
        while (chunk.length < this.s.chunksize) {
          const r = it.next();
          if (r.done) {
            this.#exhausted = true;
            break;
          }
          chunk.push(this.#checkItem(r.value));
        }
        if (chunk.length > 0) this.#submitChunk(chunk);
      }
    } catch (error) {
      this.#sourceError = { error };
      this.#exhausted = true;
    }
  }

  async #fillAsync(): Promise<void> {
    const it = this.#source as AsyncIterator<unknown>;
    try {
      while (!this.#exhausted && !this.#closed && this.#room()) {
        const chunk: unknown[] = [];
        while (chunk.length < this.s.chunksize) {
          const r = await it.next();
          if (r.done || this.#closed) {
            this.#exhausted = true;
            break;
          }
          chunk.push(this.#checkItem(r.value));
        }
        if (chunk.length > 0 && !this.#closed) this.#submitChunk(chunk);
      }
    } catch (error) {
      this.#sourceError = { error };
      this.#exhausted = true;
    } finally {
      this.#pumping = null;
      this.#notify();
    }
  }

  #checkItem(item: unknown): unknown {
    if (this.s.star && !Array.isArray(item)) {
      throw new TypeError(`starmap(): each item must be an array of arguments, got ${typeof item}`);
    }
    return item;
  }

  #refill(): void {
    if (this.#exhausted || this.#closed) return;
    if (!this.s.isAsync) this.#fillSync();
    else if (this.#pumping === null) this.#pumping = this.#fillAsync();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async next(): Promise<IteratorResult<unknown>> {
    try {
      if (this.#pendingValues.length > 0) return { done: false, value: this.#pendingValues.shift() };
      // (wrapped: an async function returning a thenable Future would adopt its result)
      const { f } = await this.#nextFuture();
      if (f === null) {
        await this.#close();
        return { done: true, value: undefined };
      }
      this.#all.delete(f);
      this.#refill();
      const value = await f.result();
      if (this.s.chunksize === 1) return { done: false, value };
      this.#pendingValues = (value as unknown[]).slice(1);
      if ((value as unknown[]).length === 0) return this.next();
      return { done: false, value: (value as unknown[])[0] };
    } catch (error) {
      await this.#close();
      throw error;
    }
  }

  /** The next future to yield from (waiting for it in unordered mode), or null at the end. */
  async #nextFuture(): Promise<{ f: Future<unknown> | null }> {
    for (;;) {
      if (this.#closed) return { f: null };
      if (this.s.unordered) {
        const f = this.#completed.shift();
        if (f !== undefined) return { f };
      } else {
        const head = this.#window[0];
        if (head?.done()) return { f: this.#window.shift()! };
        if (head === undefined && this.#sourceError === null && this.#exhausted) return { f: null };
      }
      if (this.s.unordered && this.#all.size === 0 && this.#exhausted) {
        if (this.#sourceError !== null) throw this.#sourceError.error;
        return { f: null };
      }
      if (!this.s.unordered && this.#window.length === 0 && this.#sourceError !== null)
        throw this.#sourceError.error;
      await this.#waitForChange();
    }
  }

  #waitForChange(): Promise<void> {
    const remaining = this.s.deadline === undefined ? undefined : this.s.deadline - performance.now();
    if (remaining !== undefined && remaining <= 0) {
      return Promise.reject(
        new TimeoutError(`map(): results not ready within the ${this.s.timeout} ms timeout`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer =
        remaining === undefined
          ? undefined
          : setTimeout(
              () =>
                reject(new TimeoutError(`map(): results not ready within the ${this.s.timeout} ms timeout`)),
              remaining,
            );
      this.#wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Cancels everything not yet consumed; running tasks finish but their results are dropped. */
  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#all) f.cancel();
    this.#all.clear();
    this.#window.length = 0;
    this.#completed.length = 0;
    this.#pendingValues = [];
    const src = this.#source;
    if (!this.#exhausted && typeof src.return === 'function') {
      this.#exhausted = true;
      try {
        await src.return();
      } catch {
        // closing the caller's iterator is best effort
      }
    }
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    await this.#close();
    return { done: true, value };
  }

  async throw(error?: unknown): Promise<IteratorResult<unknown>> {
    await this.#close();
    throw error;
  }
}
