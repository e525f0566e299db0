import type { WorkerIdentity } from '../serialization/errors-wire.js';
import type { Job } from './job.js';

/** Link latency (ms) assumed for a worker before any measurement: deliberately small, so a new pool starts shallow. */
const INITIAL_RTT_MS = 0.2;
/** Weight of a new latency sample in the moving average. */
const RTT_WEIGHT = 0.25;
/**
 * A head task counts as overdue (it will not finish soon: place nothing behind it) once it
 * ran this many times its estimate, plus this many times its function's usual deviation
 * (tasks of uneven length are not overdue at their first long run), plus slack for
 * batching of results on the way back.
 */
const OVERDUE_FACTOR = 2;
const OVERDUE_SPREAD_FACTOR = 4;
const OVERDUE_SLACK_MS = 5;

/**
 * One worker as the scheduler sees it: the tasks it holds, in the order it runs them.
 *
 * A worker runs its tasks one at a time in arrival order, so `held` is that order: the
 * first is running (or starts next), the rest wait behind it. Results and `revoked`
 * answers remove tasks from it. The scheduler keeps only as much behind the head as
 * hides the round trip (see `hasRoom`).
 */
export class WorkerSlot {
  ready = false;
  /** Being replaced because a task ignored its abort: its other tasks never ran and are requeued. */
  escalated = false;
  /** A revoke request is on its way or unanswered (one at a time). */
  revoking = false;
  /** Held tasks already settled by an abort or deadline whose result has not come back. */
  abortedHeld = 0;
  completed = 0;
  /** Milliseconds spent holding at least one task, up to busySince. */
  busyMs = 0;
  /** performance.now() when it last went from idle to busy, or -1 while idle. */
  busySince = -1;
  /** performance.now() when it joined. */
  readonly joinedAt = performance.now();
  /** fnIds whose definition this worker has received. */
  readonly known: boolean[] = [];
  identity: WorkerIdentity;
  /** Estimated round trip to this worker (ms): send, wake, result flush and return. */
  rttMs = INITIAL_RTT_MS;
  /** performance.now() when the current head became the head (its predicted start). */
  headSince = 0;
  /** Tasks placed on this worker in the current dispatch pass, to be sent in one frame. */
  outgoing: Job[] = [];

  #held: Job[] = [];
  #first = 0;
  /** Sum of the finite estimates of the held tasks behind the head (ms). */
  #aheadMs = 0;
  /** How many held tasks behind the head have no estimate yet. */
  #aheadUnknown = 0;

  constructor(readonly id: number) {
    this.identity = { workerId: id, host: '?', pid: 0 };
  }

  /** Tasks held: running plus waiting behind it. */
  get inFlight(): number {
    return this.#held.length - this.#first;
  }

  /** The task running (or starting next), if any. */
  get head(): Job | undefined {
    return this.#held[this.#first];
  }

  /** Held tasks in run order (a copy). */
  heldJobs(): Job[] {
    return this.#held.slice(this.#first);
  }

  /**
   * How many of the last held tasks can be taken back (a revoke returns the newest first):
   * those after the last one whose arguments were moved, which cannot be sent again.
   */
  revocableTail(): number {
    const held = this.#held;
    let n = 0;
    for (let i = held.length - 1; i > this.#first && !held[i]!.argsMoved; i--) n++;
    return n;
  }

  push(job: Job, now: number): void {
    if (this.inFlight === 0) this.headSince = now;
    else if (Number.isFinite(job.estMs)) this.#aheadMs += job.estMs;
    else this.#aheadUnknown++;
    this.#held.push(job);
  }

  /** Removes a held task (its result came, or it was revoked); false when not held here. */
  remove(job: Job, now: number): boolean {
    const held = this.#held;
    if (held[this.#first] === job) {
      held[this.#first++] = undefined as unknown as Job;
      const next = held[this.#first];
      if (next === undefined) {
        this.#held = [];
        this.#first = 0;
        this.#aheadMs = 0;
        this.#aheadUnknown = 0;
      } else {
        this.headSince = now;
        this.#unAhead(next);
        if (this.#first > 256 && this.#first * 2 > held.length) {
          this.#held = held.slice(this.#first);
          this.#first = 0;
        }
      }
      return true;
    }
    const i = held.indexOf(job, this.#first + 1);
    if (i < 0) return false;
    held.splice(i, 1);
    this.#unAhead(job);
    return true;
  }

  #unAhead(job: Job): void {
    if (Number.isFinite(job.estMs)) this.#aheadMs = Math.max(0, this.#aheadMs - job.estMs);
    else this.#aheadUnknown--;
  }

  /**
   * When the head counts as overdue: it ran well past its estimate (at once when it has
   * none), so nothing should wait behind it. Infinity when idle.
   */
  overdueAt(): number {
    const head = this.head;
    if (head === undefined) return Number.POSITIVE_INFINITY;
    if (!Number.isFinite(head.estMs)) return this.headSince;
    return (
      this.headSince +
      OVERDUE_FACTOR * head.estMs +
      OVERDUE_SPREAD_FACTOR * head.spreadMs +
      4 * this.rttMs +
      OVERDUE_SLACK_MS
    );
  }

  headOverdue(now: number): boolean {
    return now >= this.overdueAt();
  }

  /**
   * When a task placed here now would start, as far as the controller can tell (ms from
   * now): what is left of the head by its estimate, plus the estimates queued behind it.
   * Infinity when some of that is unknown.
   */
  startsIn(now: number): number {
    const head = this.head;
    if (head === undefined) return 0;
    if (this.#aheadUnknown > 0 || !Number.isFinite(head.estMs)) return Number.POSITIVE_INFINITY;
    return Math.max(0, head.estMs - (now - this.headSince)) + this.#aheadMs;
  }

  /**
   * Whether one more task may wait here. An idle worker always takes one. Behind a busy
   * head, tasks wait only while what is queued behind it is shorter than twice the round
   * trip (enough that the worker never idles waiting for the controller; for microsecond
   * tasks that is dozens, for tasks of milliseconds one), only behind a head whose
   * duration is known and not overrun (start shallow, never feed a stuck worker), and
   * never beyond `maxInFlight`.
   */
  hasRoom(now: number, maxInFlight: number): boolean {
    const n = this.inFlight;
    if (n === 0) return true;
    if (n >= maxInFlight || this.abortedHeld > 0 || this.#aheadUnknown > 0) return false;
    if (this.headOverdue(now)) return false;
    return this.#aheadMs < 2 * this.rttMs;
  }

  /** Folds in one latency measurement (ms), damping outliers such as a first module import. */
  observeRtt(sampleMs: number): void {
    const s = Math.max(0.005, Math.min(sampleMs, 2 * this.rttMs + 0.1));
    this.rttMs += RTT_WEIGHT * (s - this.rttMs);
  }

  /** Records that the worker holds `inFlight` tasks now (for utilisation figures). */
  track(): void {
    if (this.inFlight > 0 && this.busySince < 0) this.busySince = performance.now();
    else if (this.inFlight === 0 && this.busySince >= 0) {
      this.busyMs += performance.now() - this.busySince;
      this.busySince = -1;
    }
  }

  /** Busy milliseconds so far, including the current busy stretch. */
  busyTotal(now: number): number {
    return this.busyMs + (this.busySince >= 0 ? now - this.busySince : 0);
  }
}
