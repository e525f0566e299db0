import type { WorkerIdentity } from '../serialization/errors-wire.js';

/** One worker as the scheduler sees it. */
export class WorkerSlot {
  ready = false;
  /** Being replaced because a task ignored its abort: its other tasks never ran and are requeued. */
  escalated = false;
  inFlight = 0;
  completed = 0;
  /** fnIds whose definition this worker has received. */
  readonly known: boolean[] = [];
  identity: WorkerIdentity;
  constructor(readonly id: number) {
    this.identity = { workerId: id, host: '?', pid: 0 };
  }
}
