import type { CancelHook, Future } from '../future.js';
import { CallMode } from '../transport/protocol.js';

/** What estMs, spreadMs and sentAt hold before the job is placed (never read as a number). */
const UNPLACED = null as unknown as number;

/** One submitted call as the scheduler tracks it, from queue to result. */
export class Job implements CancelHook {
  taskId = 0;
  /** The worker holding it, or -1 while queued. */
  workerId = -1;
  /**
   * Set when the job went back to the queue after it was handed to a worker: a retry after
   * its worker was lost, or a task taken back unstarted (work stealing, a lost or replaced
   * worker). Its future is RUNNING already.
   */
  resubmitted = false;
  // estMs, spreadMs and sentAt are set when the job is placed and sent, and read only after.
  // Until then they hold a non-number (UNPLACED): V8 gives a field that has held doubles a
  // 16-byte box per object, allocated with the object, which every queued job would pay for
  // values it does not have yet (measured: 16 bytes less per queued job).
  /** Estimated run time (ms) when it was placed; Infinity while its function's durations are unknown. */
  estMs: number = UNPLACED;
  /** How far its function's run times usually stray from the estimate (ms), when it was placed. */
  spreadMs: number = UNPLACED;
  /** performance.now() when it was sent. */
  sentAt: number = UNPLACED;
  /** It was sent to an idle worker: its result measures the round trip. */
  sentToIdle = false;
  /**
   * Sending it moved some of its arguments' memory to the worker (shm's `transfer()`: the
   * sender's buffers are detached), so it can never be sent again: it is not taken back by
   * work stealing, and a lost worker costs it its life, not a retry.
   */
  argsMoved = false;
  /** Settled and accounted for: guards against counting a job twice. */
  finished = false;
  /** Per-task deadline in ms from when it starts running (0: none). */
  timeoutMs = 0;
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
  deadlineTimer: NodeJS.Timeout | null = null;
  graceTimer: NodeJS.Timeout | null = null;
  /** The scheduler's handler of a cancel() while queued (one function shared by all jobs). */
  onCancelled: ((job: Job) => void) | null = null;

  constructor(
    readonly future: Future<unknown>,
    readonly fnId: number,
    readonly mode: CallMode,
    readonly args: unknown[],
    public retriesLeft: number,
  ) {}

  /** Its future was cancelled while queued. */
  futureCancelled(): void {
    this.onCancelled?.(this);
  }

  /** Calls this job makes: 1, or the number of argument lists in a map chunk. */
  get items(): number {
    return this.mode === CallMode.Chunk ? this.args.length : 1;
  }

  /** Drops timers and the signal listener (the job is settled, or its result arrived). */
  release(): void {
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.deadlineTimer = null;
    this.graceTimer = null;
    if (this.onAbort !== null) this.signal?.removeEventListener('abort', this.onAbort);
    this.onAbort = null;
  }
}

/**
 * A FIFO of jobs with O(1) push/shift and front insertion for resubmitted jobs. A job that
 * finishes while queued (cancelled, or aborted after it was queued again) stays in the array
 * and is skipped when reached; `finishedWhileQueued` counts it out of `live` at once.
 */
export class JobQueue {
  #items: (Job | undefined)[] = [];
  #head = 0;
  #live = 0;

  /** Jobs in the queue that have not finished. */
  get live(): number {
    return this.#live;
  }

  /** A queued job finished (its future was cancelled or failed): it no longer counts as live. */
  finishedWhileQueued(): void {
    this.#live--;
  }

  /** The next job that has not finished, or undefined. */
  takeLive(): Job | undefined {
    for (;;) {
      const job = this.#shift();
      if (job === undefined) return undefined;
      if (job.finished) continue;
      this.#live--;
      return job;
    }
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(job: Job): void {
    this.#items.push(job);
    this.#live++;
  }

  unshift(job: Job): void {
    if (this.#head > 0) this.#items[--this.#head] = job;
    else this.#items.unshift(job);
    this.#live++;
  }

  #shift(): Job | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const job = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return job;
  }
}
