import { type BrokenExecutorError, WorkerLostError } from '../errors.js';
import type { Future } from '../future.js';
import type { Transport } from '../transport/contract.js';
import { type Job, JobQueue } from './job.js';
import type { ObserverSet } from './observers.js';
import { StatsCounters } from './stats.js';

export interface SchedulerEvents {
  /** A worker finished its init and can take tasks. */
  workerReady(): void;
  /** No job is queued or in flight any more. */
  idle(): void;
  /** The executor must break (initializer failure, transport failure). */
  broken(error: BrokenExecutorError): void;
}

/**
 * The scheduler's accounts: the queue of jobs not handed to a worker, the jobs workers
 * hold (by task id), and how many are outstanding. Every job is settled once, through
 * `finish`, whichever way it ends (result, error, cancel, abort, broken executor); when
 * the last one does, the transport may let the process go idle.
 */
export abstract class JobLedger {
  protected readonly queue = new JobQueue();
  /** Jobs held by workers, by task id. */
  protected readonly inflight = new Map<number, Job>();
  protected transport: Transport | null = null;
  readonly stats = new StatsCounters();
  /** The executor's observers (observe()); null while there are none, so the hot path only checks it. */
  observers: ObserverSet | null = null;
  #outstanding = 0;

  constructor(readonly events: SchedulerEvents) {}

  get outstanding(): number {
    return this.#outstanding;
  }

  /** Counts a new job in and queues it; a cancel() while it waits here reaches `#cancelled`. */
  protected admit(job: Job): void {
    if (this.#outstanding++ === 0) this.transport?.setActive(true);
    this.stats.submitted++;
    job.onCancelled = this.#onCancelled; // shared: no closure per queued job
    job.future._onCancel = job;
    this.queue.push(job);
  }

  /**
   * shutdown({ cancelFutures: true }): cancels every job still queued here (PENDING).
   * Jobs queued again after a worker had them (RUNNING: retries, stolen) still run.
   */
  cancelQueued(): void {
    const keep: Job[] = [];
    for (let job = this.takeQueued(); job !== undefined; job = this.takeQueued()) {
      if (job.resubmitted) {
        keep.push(job);
        continue;
      }
      job.future._onCancel = null;
      job.future.cancel();
      this.stats.cancelled++;
      this.finish(job);
    }
    for (const job of keep) this.queue.push(job);
    if (keep.length > 0) this.queueChanged();
  }

  /** Fails every queued and running job (executor broken). */
  failAll(error: Error): void {
    for (let job = this.takeQueued(); job !== undefined; job = this.takeQueued()) this.fail(job, error);
    for (const job of [...this.inflight.values()]) this.fail(job, error);
    this.inflight.clear();
  }

  /** Jobs were queued again: place them. */
  protected abstract queueChanged(): void;

  /** The next queued job that is still live (cancelled ones are skipped: they were counted out already). */
  protected takeQueued(): Job | undefined {
    return this.queue.takeLive();
  }

  /** Puts jobs back at the front of the queue, keeping their order. */
  protected requeueFront(jobs: readonly Job[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) this.queue.unshift(jobs[i]!);
  }

  protected fail(job: Job, error: unknown): void {
    if (job.finished) return;
    this.stats.failed++;
    this.finish(job);
    const f: Future<unknown> = job.future;
    if (!f.done()) {
      // a queued job failing (broken executor) never ran: mark it running first so it is not "cancelled"
      if (f.state === 'PENDING') f.setRunningOrNotifyCancel();
      f.setException(error);
    }
  }

  /** Fails a job whose worker died while it held it (no retry left, or the workers stopped). */
  protected failLost(job: Job, workerId: number, error: Error, why?: string): void {
    const message = `worker ${workerId} was lost while it held this task${why === undefined ? '' : ` (${why})`}: ${error.message}`;
    this.fail(job, new WorkerLostError(message, workerId, { cause: error }));
  }

  readonly #onCancelled = (job: Job): void => this.#cancelled(job);

  #cancelled(job: Job): void {
    // Future.cancel() only reaches here while the job is queued; the queue skips it lazily.
    this.queue.finishedWhileQueued();
    this.stats.cancelled++;
    this.finish(job);
  }

  protected finish(job: Job): void {
    if (job.finished) return;
    job.finished = true;
    if (job.onAbort !== null || job.deadlineTimer !== null) {
      // keep the grace timer of an aborted running job; drop the rest
      if (job.deadlineTimer !== null) clearTimeout(job.deadlineTimer);
      job.deadlineTimer = null;
      if (job.onAbort !== null) job.signal?.removeEventListener('abort', job.onAbort);
      job.onAbort = null;
    }
    if (--this.#outstanding === 0) {
      this.transport?.setActive(false);
      this.events.idle();
    }
  }
}
