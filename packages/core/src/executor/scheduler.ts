import { AbortError, BrokenExecutorError, TimeoutError } from '../errors.js';
import { fromWireError, isWireError } from '../serialization/errors-wire.js';
import { MalformedFrameError } from '../serialization/malformed.js';
import { resolvePendingInstances } from '../serialization/values.js';
import type { Transport, TransportHandler } from '../transport/contract.js';
import { decodeWorkerMessage, encodeControllerMessage, type Frame } from '../transport/frame.js';
import type { InitPayload } from '../transport/protocol.js';
import { CallEncoder } from './call-encoder.js';
import type { FnRegistry } from './fn-registry.js';
import type { Job } from './job.js';
import { JobLedger, type SchedulerEvents } from './ledger.js';
import { chooseSlot, DurationBook } from './placement.js';
import type { ExecutorStats } from './stats.js';
import { WorkStealer } from './stealing.js';
import { WorkerSlot } from './worker-slot.js';

export interface SchedulerSettings {
  /** Cap on the tasks one worker holds (running plus waiting behind it). */
  maxInFlight: number;
  /** Escalation grace (ms) for aborted tasks; null: never replace the worker. */
  abortGraceMs: number | null;
  /** The `maxMessageBytes` option: largest encoded arguments or result of one task (and frame). */
  maxMessageBytes: number;
  init: Omit<InitPayload, 'workerId'>;
}

/** The frame whose results are being settled: which worker sent it, and when it arrived. */
interface ResultFrame {
  slot: WorkerSlot;
  arrivedAt: number;
}

/**
 * The controller's engine. Jobs wait in a FIFO; each is placed, one at a time, on the
 * worker where it will start soonest (placement.ts), and a worker holds only as many
 * tasks behind the one it runs as hide the round trip to it (WorkerSlot.hasRoom): deep
 * for microsecond tasks, one for tasks of milliseconds, none while durations are unknown.
 * A worker that runs dry while another holds unstarted tasks gets some of them back
 * through `revoke` (work stealing). Every placement pass sends one frame per worker.
 * Runs only on the controller's JS thread.
 *
 * Future states: a job is PENDING while queued here, RUNNING once handed to a worker
 * (it is that worker's running task, or one of the few committed behind it, which the
 * worker may start before any cancel could reach it). cancel() therefore succeeds exactly
 * when the task can never run.
 */
export class Scheduler extends JobLedger implements TransportHandler {
  readonly #slots = new Map<number, WorkerSlot>();
  /** Ready workers, in join order (placement scans it). */
  #ready: WorkerSlot[] = [];
  readonly #durations = new DurationBook();
  #dispatchScheduled = false;
  #rr = 0;
  #stopped = false;
  /** Encodes the calls; its limit is the option, or the transport's ceiling when lower (set by attach). */
  readonly #encoder: CallEncoder;
  readonly #onResult = (taskId: number, ok: boolean, value: unknown, runUs: number, from: ResultFrame) =>
    this.#settle(from, taskId, ok, value, runUs);
  readonly #stealer = new WorkStealer(
    (slot, count) => {
      this.stats.revokes++;
      this.transport?.send(slot.id, encodeControllerMessage({ type: 'revoke', count }));
    },
    () => this.#scheduleDispatch(),
  );

  constructor(
    readonly fns: FnRegistry,
    readonly settings: SchedulerSettings,
    events: SchedulerEvents,
  ) {
    super(events);
    this.#encoder = new CallEncoder(fns, settings.maxMessageBytes);
  }

  attach(transport: Transport): void {
    this.transport = transport;
    this.#encoder.maxBytes = Math.min(this.settings.maxMessageBytes, transport.maxMessageBytes ?? Infinity);
    if (this.outstanding > 0) transport.setActive(true);
  }

  get readyWorkers(): number {
    return this.#ready.length;
  }

  /** Queues a job; dispatch happens once per tick. */
  enqueue(job: Job): void {
    this.admit(job);
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
   * worker is told (the task sees its signal fire); its late result is discarded, and the
   * tasks waiting behind it are taken back (it may never return). With escalation on, a
   * task still running after the grace period gets its worker replaced.
   */
  abort(job: Job, error: Error): void {
    if (job.finished) return;
    if (job.future.state === 'PENDING') {
      job.future.cancel();
      return;
    }
    this.stats.failed++;
    this.finish(job);
    job.future.setException(error);
    if (job.workerId < 0) {
      this.queue.finishedWhileQueued(); // queued again (retry or stolen): the queue skips it
      return;
    }
    const workerId = job.workerId;
    const slot = this.#slots.get(workerId);
    if (slot !== undefined) {
      slot.abortedHeld++;
      if (slot.inFlight > 1) this.#stealer.revoke(slot, slot.inFlight);
    }
    this.transport?.send(
      workerId,
      encodeControllerMessage({ type: 'abort', taskId: job.taskId, reason: error.message }),
    );
    const grace = this.settings.abortGraceMs;
    const transport = this.transport;
    if (grace !== null && transport?.terminateWorker !== undefined) {
      job.graceTimer = setTimeout(() => {
        job.graceTimer = null;
        const held = this.#slots.get(workerId);
        if (this.inflight.get(job.taskId) !== job || held === undefined) return; // it stopped in time
        held.escalated = true;
        transport.terminateWorker!(workerId);
      }, grace);
    }
  }

  /** The executor broke: everything fails, and nothing more is placed, stolen or retried. */
  override failAll(error: Error): void {
    this.#stopped = true;
    this.#stealer.cancel();
    super.failAll(error);
  }

  /** Sends stop to every worker: each finishes what it holds, then exits. */
  stopWorkers(): void {
    this.#stopped = true;
    this.#stealer.cancel();
    const frame = encodeControllerMessage({ type: 'stop' });
    for (const slot of this.#slots.values()) this.transport?.send(slot.id, { head: frame.head, bufs: [] });
  }

  snapshot(): ExecutorStats {
    return this.stats.snapshot(this.queue.live, this.inflight.size, [...this.#slots.values()]);
  }

  // ---- TransportHandler (controller thread) ----

  workerJoined(workerId: number): void {
    if (this.#stopped) return;
    this.#slots.set(workerId, new WorkerSlot(workerId));
    this.transport!.send(
      workerId,
      encodeControllerMessage({
        type: 'init',
        init: { workerId, ...this.settings.init, maxMessageBytes: this.#encoder.maxBytes },
      }),
    );
  }

  message(workerId: number, frame: Frame): void {
    const slot = this.#slots.get(workerId);
    if (slot === undefined) return; // a late frame from a worker already reported lost
    // one clock read per frame, not per result
    const from: ResultFrame = { slot, arrivedAt: performance.now() };
    let msg: ReturnType<typeof decodeWorkerMessage>;
    try {
      msg = decodeWorkerMessage(frame, this.#onResult, from);
      resolvePendingInstances(); // results of classes registered here get their class (before any callback runs)
    } catch (error) {
      this.stats.dropMalformed(workerId, error);
      return;
    }
    if (msg === null) {
      slot.track();
      this.#scheduleDispatch();
      return;
    }
    switch (msg.type) {
      case 'ready':
        if (slot.ready) {
          this.stats.dropMalformed(workerId, new Error('a second ready from a worker already serving'));
          break;
        }
        slot.ready = true;
        slot.identity = { workerId, host: msg.ready.host, pid: msg.ready.pid };
        this.#ready.push(slot);
        this.observers?.workerJoined(workerId, msg.ready);
        this.events.workerReady();
        this.#scheduleDispatch();
        break;
      case 'revoked':
        this.#revoked(slot, msg.taskIds);
        break;
      case 'init-failed': {
        const cause = fromWireError(msg.error, slot.identity);
        const message = (cause as Error)?.message ?? String(cause);
        this.events.broken(
          new BrokenExecutorError(`the initializer failed in worker ${workerId}: ${message}`, { cause }),
        );
      }
    }
  }

  /**
   * A worker is gone. Its head task was running (or about to): it costs that task a retry,
   * or fails it with WorkerLostError. The tasks behind the head never started: they go back
   * to the queue free. (After an escalation the head is the aborted task, settled already.)
   * A task whose arguments were moved to that worker (transfer()) cannot be sent again: it
   * fails with WorkerLostError, started or not.
   */
  workerLost(workerId: number, error: Error): void {
    const slot = this.#slots.get(workerId);
    if (slot === undefined) return;
    this.#slots.delete(workerId);
    this.#ready = this.#ready.filter((s) => s !== slot);
    // after stopWorkers() every task is done: a worker ending now is the shutdown (closed() says so)
    if (slot.ready && !this.#stopped) this.observers?.workerLost(workerId, error);
    const held = slot.heldJobs();
    const requeue: Job[] = [];
    held.forEach((job, i) => {
      this.inflight.delete(job.taskId);
      job.release();
      if (job.finished) return;
      if (job.argsMoved) {
        this.failLost(
          job,
          workerId,
          error,
          'its arguments were moved there with transfer(), so it cannot run elsewhere',
        );
        return;
      }
      job.workerId = -1;
      job.resubmitted = true;
      if (i > 0 || slot.escalated || this.#stopped) {
        if (!this.#stopped) requeue.push(job);
        else this.failLost(job, workerId, error);
      } else if (job.retriesLeft > 0) {
        job.retriesLeft--;
        this.stats.retried++;
        requeue.push(job);
      } else {
        this.failLost(job, workerId, error);
      }
    });
    this.requeueFront(requeue);
    if (!this.#stopped) this.transport?.replaceWorker?.(workerId);
    this.#scheduleDispatch();
  }

  broken(error: Error): void {
    this.events.broken(
      error instanceof BrokenExecutorError ? error : new BrokenExecutorError(error.message, { cause: error }),
    );
  }

  // ---- internals ----

  protected queueChanged(): void {
    this.#scheduleDispatch();
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  /** One placement pass: each queued job to the worker where it starts soonest, then steal for dry workers. */
  #dispatch(): void {
    this.#stealer.cancel();
    const ready = this.#ready;
    if (ready.length === 0 || this.transport === null) return;
    const now = performance.now();
    const max = this.settings.maxInFlight;
    const rotate = this.#rr++ % ready.length;
    let placed = 0;
    while (this.queue.live > 0) {
      const job = this.takeQueued()!;
      const slot = chooseSlot(ready, job, now, max, rotate);
      if (slot === undefined) {
        this.queue.unshift(job); // FIFO: nothing overtakes the first job that has to wait
        break;
      }
      if (!job.resubmitted && !job.future.setRunningOrNotifyCancel()) continue; // unreachable: cancel marks the job finished
      job.estMs = this.#durations.estimate(job);
      job.spreadMs = this.#durations.spread(job);
      job.sentToIdle = slot.inFlight === 0;
      job.workerId = slot.id;
      slot.push(job, now);
      slot.outgoing.push(job);
      placed++;
    }
    if (placed > 0) for (const slot of ready) if (slot.outgoing.length > 0) this.#sendBatch(slot, now);
    if (this.queue.live === 0 && !this.#stopped) this.#stealer.forDry(ready, now);
  }

  /** The answer to a revoke: these tasks never started there; queue them again, first. */
  #revoked(slot: WorkerSlot, taskIds: readonly number[]): void {
    slot.revoking = false;
    const now = performance.now();
    const back: Job[] = [];
    for (const taskId of taskIds) {
      const job = this.inflight.get(taskId);
      if (job === undefined || job.workerId !== slot.id || !slot.remove(job, now)) continue;
      this.inflight.delete(taskId);
      if (job.finished) {
        slot.abortedHeld--; // aborted while it waited there: settled already
        job.release();
        continue;
      }
      job.workerId = -1;
      job.resubmitted = true;
      if (job.deadlineTimer !== null) clearTimeout(job.deadlineTimer); // it never started: its deadline has not begun
      job.deadlineTimer = null;
      back.push(job);
    }
    this.stats.stolen += back.length;
    slot.track();
    this.requeueFront(back);
    this.#scheduleDispatch();
  }

  #sendBatch(slot: WorkerSlot, now: number): void {
    const jobs = slot.outgoing;
    slot.outgoing = [];
    const { went, unsendable } = this.#encoder.encode(slot, jobs, (frame) =>
      this.transport!.send(slot.id, frame),
    );
    for (const job of went) {
      job.sentAt = now;
      this.observers?.taskStarted(slot.id, job.taskId, job.fnId, now);
      this.inflight.set(job.taskId, job);
      if (job.timeoutMs > 0 && job.deadlineTimer === null) {
        const ms = job.timeoutMs;
        job.deadlineTimer = setTimeout(() => {
          job.deadlineTimer = null;
          this.abort(job, new TimeoutError(`the task ran past its ${ms} ms deadline`));
        }, ms);
      }
    }
    for (const [job, error] of unsendable) this.#failUnsent(slot, job, now, error);
    slot.track();
  }

  /** A job placed on `slot` whose call cannot be sent: only it fails, and its place there is free again. */
  #failUnsent(slot: WorkerSlot, job: Job, now: number, error: Error): void {
    slot.remove(job, now);
    job.workerId = -1;
    this.#scheduleDispatch();
    this.fail(job, error);
  }

  #settle(from: ResultFrame, taskId: number, ok: boolean, value: unknown, runUs: number): void {
    const job = this.inflight.get(taskId);
    const slot = from.slot;
    if (job === undefined || job.workerId !== slot.id) return;
    // refused before anything changes: the frame is dropped and counted, the task stays in flight
    if (!ok && !isWireError(value))
      throw new MalformedFrameError('malformed frame: a failure without an error record');
    this.inflight.delete(taskId);
    const now = from.arrivedAt;
    slot.remove(job, now);
    slot.completed++;
    const runMs = runUs / 1000;
    this.#durations.observe(job, runMs);
    if (job.sentToIdle) slot.observeRtt(now - job.sentAt - runMs);
    this.observers?.taskFinished(slot.id, taskId, job.fnId, ok, value, runMs, now);
    job.release();
    if (job.finished) {
      slot.abortedHeld--; // aborted: its future already failed, the late result is dropped
      return;
    }
    if (ok) {
      this.stats.completed++;
      this.finish(job);
      job.future.setResult(value);
    } else {
      this.stats.failed++;
      this.finish(job);
      job.future.setException(fromWireError(value as Parameters<typeof fromWireError>[0], slot.identity));
    }
  }
}
