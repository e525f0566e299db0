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
  /**
   * Frames from workers that were dropped because they could not be decoded (truncated,
   * corrupted, of an unknown kind or the wrong shape) or made no sense (a second `ready`).
   * Each drop is also said in a `FUTURES_MALFORMED_FRAME` warning, at most one a second.
   * Results for tasks that are not in flight at that worker (late, duplicate or unknown
   * task ids) are ignored without counting: a worker's late answer after an abort is normal.
   * Always set by `stats()`; optional in the type only because progress messages
   * (`futures:stats`, v1) from versions before it lack it.
   */
  malformedFrames?: number;
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
  malformedFrames = 0;
  startedAt = 0;
  readonly #malformedLog = new RateLimitedWarning('FUTURES_MALFORMED_FRAME');

  /** Counts a dropped frame and says so (rate-limited). */
  dropMalformed(workerId: number, error: unknown): void {
    this.malformedFrames++;
    this.#malformedLog.warn(
      `futures: dropped a malformed frame from worker ${workerId}: ${(error as Error)?.message ?? String(error)}`,
    );
  }

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
      malformedFrames: this.malformedFrames,
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

/**
 * A process warning said at most once per `intervalMs`; the ones held back in between are
 * counted in the next ("N more since"), so a flood of bad input cannot flood the log.
 */
export class RateLimitedWarning {
  #last = -Infinity;
  #held = 0;

  constructor(
    readonly code: string,
    readonly intervalMs = 1000,
  ) {}

  warn(message: string): void {
    const now = performance.now();
    if (now - this.#last < this.intervalMs) {
      this.#held++;
      return;
    }
    this.#last = now;
    const more = this.#held > 0 ? ` (${this.#held} more like it since the last warning)` : '';
    this.#held = 0;
    process.emitWarning(`${message}${more}`, { type: 'FuturesWarning', code: this.code });
  }
}
