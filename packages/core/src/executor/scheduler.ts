import {
  AbortError,
  BrokenExecutorError,
  SerializationError,
  TimeoutError,
  WorkerLostError,
} from '../errors.js';
import type { Future } from '../future.js';
import { fromWireError } from '../serialization/errors-wire.js';
import type { Transport, TransportHandler } from '../transport/contract.js';
import {
  decodeWorkerMessage,
  encodeControllerMessage,
  type Frame,
  TaskBatchWriter,
} from '../transport/frame.js';
import type { FnDef, InitPayload } from '../transport/protocol.js';
import type { FnRegistry } from './fn-registry.js';
import { type Job, JobQueue } from './job.js';
import { type ExecutorStats, StatsCounters } from './stats.js';
import { WorkerSlot } from './worker-slot.js';

export interface SchedulerSettings {
  maxInFlight: number;
  /** Escalation grace (ms) for aborted tasks; null: never replace the worker. */
  abortGraceMs: number | null;
  init: Omit<InitPayload, 'workerId'>;
}

export interface SchedulerEvents {
  /** A worker finished its init and can take tasks. */
  workerReady(): void;
  /** No job is queued or in flight any more. */
  idle(): void;
  /** The executor must break (initializer failure, transport failure). */
  broken(error: BrokenExecutorError): void;
}

/**
 * The controller's engine: a FIFO of jobs, workers with several tasks in flight each,
 * batched dispatch (every submit in one tick goes out in one frame per worker), results
 * settled straight from the decoded frame. Runs only on the controller's JS thread.
 */
export class Scheduler implements TransportHandler {
  readonly #slots = new Map<number, WorkerSlot>();
  readonly #inflight = new Map<number, Job>();
  readonly #queue = new JobQueue();
  readonly #batch = new TaskBatchWriter();
  readonly stats = new StatsCounters();
  #nextTaskId = 1;
  #dispatchScheduled = false;
  #outstanding = 0;
  #readyCount = 0;
  #rr = 0;
  #transport: Transport | null = null;
  #stopped = false;
  readonly #onResult = (taskId: number, ok: boolean, value: unknown) => this.#settle(taskId, ok, value);
  #resultSlot: WorkerSlot | null = null;

  constructor(
    readonly fns: FnRegistry,
    readonly settings: SchedulerSettings,
    readonly events: SchedulerEvents,
  ) {}

  attach(transport: Transport): void {
    this.#transport = transport;
    if (this.#outstanding > 0) transport.setActive(true);
  }

  get readyWorkers(): number {
    return this.#readyCount;
  }

  get outstanding(): number {
    return this.#outstanding;
  }

  /** Queues a job; dispatch happens once per tick. */
  enqueue(job: Job): void {
    if (this.#outstanding++ === 0) this.#transport?.setActive(true);
    this.stats.submitted++;
    job.future._onCancel = () => this.#cancelled(job);
    this.#queue.push(job);
    const signal = job.signal;
    if (signal !== null) {
      if (signal.aborted) {
        job.future.cancel();
        return;
      }
      job.onAbort = () => this.abort(job, new AbortError('the task was aborted', { cause: signal.reason }));
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    this.#scheduleDispatch();
  }

  /**
   * Aborts a job: a queued one is cancelled; a running one fails now with `error` and its
   * worker is told (the task sees its signal fire); its late result is discarded. With
   * escalation on, a task still running after the grace period gets its worker replaced.
   */
  abort(job: Job, error: Error): void {
    if (job.finished) return;
    if (job.future.state === 'PENDING') {
      job.future.cancel();
      return;
    }
    this.stats.failed++;
    this.#finish(job);
    job.future.setException(error);
    if (job.workerId < 0) {
      this.#queue.live--; // queued again for a retry: the queue skips it as finished
      return;
    }
    const workerId = job.workerId;
    this.#transport?.send(
      workerId,
      encodeControllerMessage({ type: 'abort', taskId: job.taskId, reason: error.message }),
    );
    const grace = this.settings.abortGraceMs;
    const transport = this.#transport;
    if (grace !== null && transport?.terminateWorker !== undefined) {
      job.graceTimer = setTimeout(() => {
        job.graceTimer = null;
        const slot = this.#slots.get(workerId);
        if (this.#inflight.get(job.taskId) !== job || slot === undefined) return; // it stopped in time
        slot.escalated = true;
        transport.terminateWorker!(workerId);
      }, grace);
    }
  }

  /** Cancels every queued job (shutdown({ cancelFutures: true })). */
  cancelQueued(): void {
    for (let job = this.#takeQueued(); job !== undefined; job = this.#takeQueued()) {
      if (job.resubmitted) {
        this.#fail(
          job,
          new BrokenExecutorError('the executor was shut down before this task could be resubmitted'),
        );
        continue;
      }
      job.future._onCancel = null;
      job.future.cancel();
      this.stats.cancelled++;
      this.#finish(job);
    }
  }

  /** Fails every queued and running job (executor broken). */
  failAll(error: Error): void {
    for (let job = this.#takeQueued(); job !== undefined; job = this.#takeQueued()) this.#fail(job, error);
    for (const job of [...this.#inflight.values()]) this.#fail(job, error);
    this.#inflight.clear();
  }

  /** Sends stop to every worker: each finishes what it holds, then exits. */
  stopWorkers(): void {
    this.#stopped = true;
    const frame = encodeControllerMessage({ type: 'stop' });
    for (const slot of this.#slots.values()) this.#transport?.send(slot.id, { head: frame.head, bufs: [] });
  }

  snapshot(): ExecutorStats {
    return this.stats.snapshot(this.#queue.live, this.#inflight.size, [...this.#slots.values()]);
  }

  // ---- TransportHandler (controller thread) ----

  workerJoined(workerId: number): void {
    if (this.#stopped) return;
    this.#slots.set(workerId, new WorkerSlot(workerId));
    this.#transport!.send(
      workerId,
      encodeControllerMessage({ type: 'init', init: { workerId, ...this.settings.init } }),
    );
  }

  message(workerId: number, frame: Frame): void {
    const slot = this.#slots.get(workerId);
    if (slot === undefined) return; // a late frame from a worker already reported lost
    this.#resultSlot = slot;
    let msg: ReturnType<typeof decodeWorkerMessage>;
    try {
      msg = decodeWorkerMessage(frame, this.#onResult);
    } catch (error) {
      process.emitWarning(
        `futures: dropped a malformed frame from worker ${workerId}: ${(error as Error).message}`,
      );
      return;
    } finally {
      this.#resultSlot = null;
    }
    if (msg === null) {
      if (this.#queue.live > 0) this.#scheduleDispatch();
      return;
    }
    if (msg.type === 'ready') {
      slot.ready = true;
      slot.identity = { workerId, host: msg.ready.host, pid: msg.ready.pid };
      this.#readyCount++;
      this.events.workerReady();
      this.#scheduleDispatch();
    } else {
      const cause = fromWireError(msg.error, slot.identity);
      const message = (cause as Error)?.message ?? String(cause);
      this.events.broken(
        new BrokenExecutorError(`the initializer failed in worker ${workerId}: ${message}`, { cause }),
      );
    }
  }

  workerLost(workerId: number, error: Error): void {
    const slot = this.#slots.get(workerId);
    if (slot === undefined) return;
    this.#slots.delete(workerId);
    if (slot.ready) this.#readyCount--;
    for (const job of [...this.#inflight.values()]) {
      if (job.workerId !== workerId) continue;
      this.#inflight.delete(job.taskId);
      job.release();
      if (job.finished) continue; // the aborted task that caused the escalation
      if (slot.escalated && !this.#stopped) {
        // queued behind the task that ignored its abort: it never ran, so it costs no retry
        job.resubmitted = true;
        job.workerId = -1;
        this.#queue.unshift(job);
        continue;
      }
      if (job.retriesLeft > 0 && !this.#stopped) {
        job.retriesLeft--;
        job.resubmitted = true;
        job.workerId = -1;
        this.stats.retried++;
        this.#queue.unshift(job);
      } else {
        this.#fail(
          job,
          new WorkerLostError(
            `worker ${workerId} was lost while it held this task: ${error.message}`,
            workerId,
            { cause: error },
          ),
        );
      }
    }
    if (!this.#stopped) this.#transport?.replaceWorker?.(workerId);
    this.#scheduleDispatch();
  }

  broken(error: Error): void {
    this.events.broken(
      error instanceof BrokenExecutorError ? error : new BrokenExecutorError(error.message, { cause: error }),
    );
  }

  // ---- internals ----

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#queue.live === 0 || this.#readyCount === 0 || this.#transport === null) return;
    const slots = [...this.#slots.values()].filter((s) => s.ready && s.inFlight < this.settings.maxInFlight);
    if (slots.length === 0) return;
    // Spread the queue evenly: a deep per-worker pipeline only when there is plenty queued,
    // so a short burst of long tasks still lands on every worker.
    const share = Math.max(1, Math.ceil(this.#queue.live / slots.length));
    const start = this.#rr++ % slots.length;
    for (let k = 0; k < slots.length && this.#queue.live > 0; k++) {
      const slot = slots[(start + k) % slots.length]!;
      const room = Math.min(this.settings.maxInFlight - slot.inFlight, share);
      this.#sendBatch(slot, room);
    }
  }

  #sendBatch(slot: WorkerSlot, room: number): void {
    const jobs: Job[] = [];
    const defs: FnDef[] = [];
    while (jobs.length < room) {
      const job = this.#takeQueued();
      if (job === undefined) break;
      if (job.timeoutMs > 0 && slot.inFlight + jobs.length > 0) {
        // A deadline counts from when the task starts: hand it only to an idle worker.
        this.#queue.unshift(job);
        break;
      }
      if (!job.resubmitted && !job.future.setRunningOrNotifyCancel()) continue; // unreachable: cancel marks the job finished
      jobs.push(job);
      if (slot.known[job.fnId] !== true) {
        slot.known[job.fnId] = true;
        defs.push({ fnId: job.fnId, spec: this.fns.specs[job.fnId]! });
      }
    }
    if (jobs.length === 0) return;
    const batch = this.#batch;
    batch.begin(defs);
    for (const job of jobs) {
      job.taskId = this.#nextTaskId;
      this.#nextTaskId = this.#nextTaskId >= 0xffffffff ? 1 : this.#nextTaskId + 1;
      try {
        batch.add(job.taskId, job.fnId, job.mode, job.args);
      } catch (error) {
        // Only this task fails: its arguments cannot travel.
        this.#fail(
          job,
          new SerializationError(
            `the task's arguments could not be serialized: ${(error as Error).message}`,
            { cause: error },
          ),
        );
        continue;
      }
      job.workerId = slot.id;
      this.#inflight.set(job.taskId, job);
      slot.inFlight++;
      if (job.timeoutMs > 0 && job.deadlineTimer === null) {
        const ms = job.timeoutMs;
        job.deadlineTimer = setTimeout(() => {
          job.deadlineTimer = null;
          this.abort(job, new TimeoutError(`the task ran past its ${ms} ms deadline`));
        }, ms);
      }
    }
    if (batch.count > 0) this.#transport!.send(slot.id, batch.finish());
    slot.track();
  }

  /** The next queued job that is still live (cancelled ones are skipped: they were counted out already). */
  #takeQueued(): Job | undefined {
    for (;;) {
      const job = this.#queue.shift();
      if (job === undefined) return undefined;
      if (job.finished) continue;
      this.#queue.live--;
      return job;
    }
  }

  #settle(taskId: number, ok: boolean, value: unknown): void {
    const job = this.#inflight.get(taskId);
    if (job === undefined) return;
    this.#inflight.delete(taskId);
    const slot = this.#resultSlot!;
    slot.inFlight--;
    slot.completed++;
    if (slot.inFlight === 0) slot.track();
    job.release();
    if (job.finished) return; // aborted: its future already failed, the late result is dropped
    if (ok) {
      this.stats.completed++;
      this.#finish(job);
      job.future.setResult(value);
    } else {
      this.stats.failed++;
      this.#finish(job);
      job.future.setException(fromWireError(value as Parameters<typeof fromWireError>[0], slot.identity));
    }
  }

  #fail(job: Job, error: unknown): void {
    if (job.finished) return;
    this.stats.failed++;
    this.#finish(job);
    const f: Future<unknown> = job.future;
    if (!f.done()) {
      // a queued job failing (broken executor) never ran: mark it running first so it is not "cancelled"
      if (f.state === 'PENDING') f.setRunningOrNotifyCancel();
      f.setException(error);
    }
  }

  #cancelled(job: Job): void {
    // Future.cancel() only reaches here while the job is queued; the queue skips it lazily.
    this.#queue.live--;
    this.stats.cancelled++;
    this.#finish(job);
  }

  #finish(job: Job): void {
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
      this.#transport?.setActive(false);
      this.events.idle();
    }
  }
}
