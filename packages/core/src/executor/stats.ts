/** Per-worker figures in a stats snapshot. */
export interface WorkerStats {
  workerId: number;
  host: string;
  pid: number;
  /** Tasks the worker holds now (running plus queued at it). */
  inFlight: number;
  /** Tasks it has finished. */
  completed: number;
  /** Fraction of its life so far (0..1) during which it held at least one task. */
  utilization: number;
  /** Milliseconds so far during which it held at least one task (for recent-utilisation views). */
  busyMs: number;
}

/** A point-in-time view of an executor, for progress displays and monitoring. */
export interface ExecutorStats {
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** Tasks resubmitted after their worker was lost. */
  retried: number;
  /** Revoke requests sent (work stealing, or a task that would not stop). */
  revokes: number;
  /** Unstarted tasks taken back from a worker and placed again. */
  stolen: number;
  /** Waiting in the controller's queue. */
  queued: number;
  /** Handed to workers and not yet finished (running, or committed behind a running task). */
  running: number;
  workers: WorkerStats[];
  /** Milliseconds since the executor started its workers (0 before). */
  uptimeMs: number;
}

export class StatsCounters {
  submitted = 0;
  completed = 0;
  failed = 0;
  cancelled = 0;
  retried = 0;
  revokes = 0;
  stolen = 0;
  startedAt = 0;

  snapshot(
    queued: number,
    running: number,
    slots: readonly {
      id: number;
      inFlight: number;
      completed: number;
      joinedAt: number;
      identity: { host: string; pid: number };
      busyTotal(now: number): number;
    }[],
  ): ExecutorStats {
    const now = performance.now();
    return {
      submitted: this.submitted,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      retried: this.retried,
      revokes: this.revokes,
      stolen: this.stolen,
      queued,
      running,
      workers: slots.map((s) => ({
        workerId: s.id,
        host: s.identity.host,
        pid: s.identity.pid,
        inFlight: s.inFlight,
        completed: s.completed,
        busyMs: s.busyTotal(now),
        utilization: now > s.joinedAt ? Math.min(1, s.busyTotal(now) / (now - s.joinedAt)) : 0,
      })),
      uptimeMs: this.startedAt === 0 ? 0 : performance.now() - this.startedAt,
    };
  }
}
