import { SerializationError } from '../errors.js';
import { type Frame, TaskBatchWriter } from '../transport/frame.js';
import { checkLastEntry, fnLabel, messageTooLarge, NEXT_FRAME } from '../transport/message-limit.js';
import type { FnDef } from '../transport/protocol.js';
import type { FnRegistry } from './fn-registry.js';
import type { Job } from './job.js';
import type { WorkerSlot } from './worker-slot.js';

const NONE: readonly [Job, Error][] = [];

/**
 * Turns the jobs placed on one worker into `Tasks` frames: the definitions of functions the
 * worker has not seen go first, each job gets its task id, and the calls go into one frame,
 * except that a call that fits only alone starts the next one. A call that cannot travel
 * (its arguments do not serialize, or exceed the message limit) fails only its own job.
 */
export class CallEncoder {
  readonly #fns: FnRegistry;
  readonly #batch = new TaskBatchWriter();
  #nextTaskId = 1;
  /** The out-of-band views of the jobs being encoded (few jobs have any). */
  readonly #oobOf = new Map<Job, Uint8Array[]>();
  /** The message size limit: the option, or the transport's ceiling when lower. */
  maxBytes: number;

  constructor(fns: FnRegistry, maxBytes: number) {
    this.#fns = fns;
    this.maxBytes = maxBytes;
  }

  /**
   * Encodes `jobs` for `slot`, handing each finished frame to `send`. Returns the jobs that
   * went (with their task ids set) and, apart, those that cannot go with their errors: the
   * caller settles those only after it has recorded the ones that went, so that no callback
   * a failure runs can see a sent job unrecorded. Functions are marked known to the worker
   * only when a frame carrying their definitions was sent.
   */
  encode(
    slot: WorkerSlot,
    jobs: readonly Job[],
    send: (frame: Frame) => void,
  ): { went: readonly Job[]; unsendable: readonly [Job, Error][] } {
    const defs: FnDef[] = [];
    for (const job of jobs) {
      if (slot.known[job.fnId] !== true) {
        slot.known[job.fnId] = true;
        defs.push({ fnId: job.fnId, spec: this.#fns.specs[job.fnId]! });
      }
    }
    const batch = this.#batch;
    batch.begin(defs);
    let sentFrame = false;
    // The usual case allocates nothing: every job goes, and `went` is `jobs` itself.
    let went: Job[] | null = null;
    let unsendable: [Job, Error][] | null = null;
    const fail = (i: number, job: Job, error: Error): void => {
      went ??= jobs.slice(0, i);
      unsendable ??= [];
      unsendable.push([job, error]);
    };
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      job.taskId = this.#nextTaskId;
      this.#nextTaskId = this.#nextTaskId >= 0xffffffff ? 1 : this.#nextTaskId + 1;
      let bytes: number;
      try {
        bytes = this.#add(job);
        if (bytes === NEXT_FRAME) {
          // It fits alone, not beside the others: they go now, it starts the next frame.
          send(batch.finish());
          sentFrame = true;
          batch.begin([]);
          bytes = this.#add(job);
        }
      } catch (error) {
        // Only this task fails: its arguments cannot travel.
        const message = `the task's arguments could not be serialized: ${(error as Error).message}`;
        fail(i, job, new SerializationError(message, { cause: error }));
        continue;
      }
      if (bytes > 0) {
        const fn = fnLabel(this.#fns.specs[job.fnId]!);
        fail(i, job, messageTooLarge('arguments', fn, job.taskId, bytes, this.maxBytes));
        continue;
      }
      (went as Job[] | null)?.push(job);
    }
    if (batch.count > 0) send(batch.finish());
    else if (!sentFrame) for (const def of defs) slot.known[def.fnId] = false; // nothing went: the worker never saw them
    // A transport that moves memory (shm's transfer()) detaches the sender's buffers while
    // it sends: a view of such a buffer then has length 0 (an out-of-band view never starts
    // empty). Such a job cannot be encoded again.
    if (this.#oobOf.size > 0) {
      for (const [job, views] of this.#oobOf) if (views.some((v) => v.byteLength === 0)) job.argsMoved = true;
      this.#oobOf.clear();
    }
    return { went: went ?? jobs, unsendable: unsendable ?? NONE };
  }

  /** Encodes a job's call into the batch; 0, or (taken out again) NEXT_FRAME or its size over the limit. */
  #add(job: Job): number {
    const batch = this.#batch;
    const pos = batch.w.pos;
    const nbufs = batch.bufs.length;
    batch.add(job.taskId, job.fnId, job.mode, job.args);
    if (batch.bufs.length > nbufs) this.#oobOf.set(job, batch.bufs.slice(nbufs));
    return checkLastEntry(batch, pos, nbufs, this.maxBytes);
  }
}
