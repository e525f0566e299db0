import type { TaskSpan } from './messages.js';

/**
 * The most recent task spans, in columns of typed arrays: recording a span allocates
 * nothing, so the dashboard's per-task cost is a few stores. Objects are built only for
 * what is sent (a bounded batch, or a `hello`).
 */
export class SpanRing {
  readonly #start: Float64Array;
  readonly #end: Float64Array;
  readonly #worker: Int32Array;
  readonly #fn: Uint32Array;
  readonly #executor: Uint32Array;
  readonly #ok: Uint8Array;
  /** Spans ever recorded; the newest is at (total - 1) % capacity. */
  total = 0;

  constructor(
    readonly capacity: number,
    /** Executor ids and function names by index (the columns hold indexes). */
    readonly executorIds: readonly string[],
    readonly fnNames: readonly string[],
  ) {
    this.#start = new Float64Array(capacity);
    this.#end = new Float64Array(capacity);
    this.#worker = new Int32Array(capacity);
    this.#fn = new Uint32Array(capacity);
    this.#executor = new Uint32Array(capacity);
    this.#ok = new Uint8Array(capacity);
  }

  push(executor: number, workerId: number, fn: number, start: number, end: number, ok: boolean): void {
    const i = this.total % this.capacity;
    this.#executor[i] = executor;
    this.#worker[i] = workerId;
    this.#fn[i] = fn;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#ok[i] = ok ? 1 : 0;
    this.total++;
  }

  /** The spans recorded after the first `since` ones, at most `max` (the newest), oldest first. */
  since(since: number, max: number): TaskSpan[] {
    const from = Math.max(since, this.total - this.capacity, this.total - max);
    const out: TaskSpan[] = [];
    for (let n = from; n < this.total; n++) {
      const i = n % this.capacity;
      out.push({
        executorId: this.executorIds[this.#executor[i]!]!,
        workerId: this.#worker[i]!,
        fn: this.fnNames[this.#fn[i]!]!,
        start: this.#start[i]!,
        end: this.#end[i]!,
        ok: this.#ok[i] === 1,
      });
    }
    return out;
  }
}
