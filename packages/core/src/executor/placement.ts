import type { Job } from './job.js';
import type { WorkerSlot } from './worker-slot.js';

/** Weight of a new sample in a function's moving average of run time. */
const DURATION_WEIGHT = 0.3;

/**
 * What the scheduler has learned of each task function's run time: a moving average of
 * the time one call takes on a worker (a map chunk counts per item), and of how far a
 * call strays from that average, from the run times workers report with each result.
 */
export class DurationBook {
  readonly #perItemMs: number[] = [];
  readonly #spreadMs: number[] = [];

  /** Estimated run time of a job (ms), Infinity while its function never finished anywhere. */
  estimate(job: Job): number {
    const per = this.#perItemMs[job.fnId];
    return per === undefined ? Number.POSITIVE_INFINITY : per * job.items;
  }

  /**
   * How far a job's run time usually strays from its estimate (ms): the moving average of
   * the absolute deviation. 0 while unknown (then the estimate is Infinity anyway).
   */
  spread(job: Job): number {
    return (this.#spreadMs[job.fnId] ?? 0) * job.items;
  }

  observe(job: Job, runMs: number): void {
    const sample = runMs / Math.max(1, job.items);
    const fnId = job.fnId;
    const per = this.#perItemMs[fnId];
    if (per === undefined) {
      this.#perItemMs[fnId] = sample;
      this.#spreadMs[fnId] = 0;
      return;
    }
    const spread = this.#spreadMs[fnId] ?? 0;
    this.#spreadMs[fnId] = spread + DURATION_WEIGHT * (Math.abs(sample - per) - spread);
    this.#perItemMs[fnId] = per + DURATION_WEIGHT * (sample - per);
  }
}

/**
 * The worker where `job` would start soonest among those with room for it, or undefined.
 * A job with a deadline goes only to an idle worker (its deadline counts from its start).
 * Ties (several idle workers) rotate from `rotate`, so equal work spreads evenly.
 */
export function chooseSlot(
  slots: readonly WorkerSlot[],
  job: Job,
  now: number,
  maxInFlight: number,
  rotate: number,
): WorkerSlot | undefined {
  let best: WorkerSlot | undefined;
  let bestStart = Number.POSITIVE_INFINITY;
  const n = slots.length;
  for (let k = 0; k < n; k++) {
    const slot = slots[(rotate + k) % n]!;
    if (job.timeoutMs > 0 ? slot.inFlight > 0 : !slot.hasRoom(now, maxInFlight)) continue;
    const start = slot.startsIn(now);
    if (best === undefined || start < bestStart) {
      best = slot;
      bestStart = start;
      if (start === 0) break;
    }
  }
  return best;
}

export interface StealPlan {
  /** Whom to ask, or null: nobody is worth asking now. */
  victim: WorkerSlot | null;
  /** How many unstarted tasks to ask back (newest first). */
  count: number;
  /** When no victim: ms until a worker's head becomes overdue and it is worth asking again. */
  recheckMs: number;
}

/**
 * Work stealing: `dry` has nothing to do and nothing is queued. Take tasks back from the
 * worker with the most work waiting behind its head: all of them when its head is overdue
 * (a long or stuck task holds them hostage), else half (the victim keeps its share). Not
 * worth a round trip while the victim will finish them sooner than it could answer; then
 * `recheckMs` says when its head would count as overdue.
 */
export function planSteal(slots: readonly WorkerSlot[], dry: WorkerSlot, now: number): StealPlan {
  let victim: WorkerSlot | null = null;
  let most = 0;
  let recheckMs = Number.POSITIVE_INFINITY;
  for (const slot of slots) {
    if (slot === dry || slot.revoking || slot.inFlight < 2) continue;
    const overdue = slot.headOverdue(now) || slot.abortedHeld > 0;
    const backlog = overdue ? Number.POSITIVE_INFINITY : slot.startsIn(now);
    if (backlog < 2 * (slot.rttMs + dry.rttMs)) {
      recheckMs = Math.min(recheckMs, slot.overdueAt() - now);
      continue;
    }
    if (victim === null || backlog > most || (backlog === most && slot.inFlight > victim.inFlight)) {
      victim = slot;
      most = backlog;
    }
  }
  if (victim === null) return { victim, count: 0, recheckMs };
  const waiting = victim.inFlight - 1;
  const count = most === Number.POSITIVE_INFINITY ? waiting : Math.ceil(waiting / 2);
  return { victim, count, recheckMs };
}
