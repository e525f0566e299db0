import { planSteal } from './placement.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * Work stealing, the controller's half: when a worker runs dry while nothing is queued, ask
 * the worker with the most unstarted work behind its head to give some back (`revoke`). The
 * worker answers with `revoked { taskIds }` (the scheduler queues those again). When no
 * worker is worth asking yet, a timer looks again once a head would count as overdue.
 * Controller JS thread only.
 */
export class WorkStealer {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    /** Sends `revoke { count }` to the slot's worker. */
    private readonly sendRevoke: (slot: WorkerSlot, count: number) => void,
    /** Runs placement again (the timer fired). */
    private readonly recheck: () => void,
  ) {}

  /**
   * Asks `slot` for `count` unstarted tasks back, unless a revoke to it is unanswered yet.
   * Never more than its revocable tail: a task whose arguments were moved there stays.
   */
  revoke(slot: WorkerSlot, count: number): boolean {
    count = Math.min(count, slot.revocableTail());
    if (slot.revoking || count < 1) return false;
    slot.revoking = true;
    this.sendRevoke(slot, count);
    return true;
  }

  /** Nothing is queued: find work for every dry worker among `ready`. */
  forDry(ready: readonly WorkerSlot[], now: number): void {
    let recheckMs = Number.POSITIVE_INFINITY;
    for (const dry of ready) {
      if (dry.inFlight > 0) continue;
      const plan = planSteal(ready, dry, now);
      if (plan.victim !== null) this.revoke(plan.victim, plan.count);
      else recheckMs = Math.min(recheckMs, plan.recheckMs);
    }
    if (recheckMs === Number.POSITIVE_INFINITY) return;
    // A worker is dry and another's head may overrun: look again when it would count as
    // overdue. Unref'd: an executor with nothing else to wait for must not be kept alive.
    this.cancel();
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.recheck();
      },
      Math.max(1, Math.ceil(recheckMs)),
    );
    this.#timer.unref();
  }

  /** Drops the pending recheck (placement runs now anyway, or the workers stopped). */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
