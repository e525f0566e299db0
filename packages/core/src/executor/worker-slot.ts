import type { WorkerIdentity } from '../serialization/errors-wire.js';

/** One worker as the scheduler sees it. */
export class WorkerSlot {
  ready = false;
  /** Being replaced because a task ignored its abort: its other tasks never ran and are requeued. */
  escalated = false;
  inFlight = 0;
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
  constructor(readonly id: number) {
    this.identity = { workerId: id, host: '?', pid: 0 };
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
