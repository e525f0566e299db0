import { SerializationError } from '../errors.js';
import { toWireError } from '../serialization/errors-wire.js';
import type { AnyFunction } from '../task.js';
import { type Frame, ResultBatchWriter } from '../transport/frame.js';
import {
  checkLastEntry,
  MAX_MESSAGE_BYTES_DEFAULT,
  messageTooLarge,
  NEXT_FRAME,
} from '../transport/message-limit.js';

/** Run times are reported in whole microseconds, capped (a run of over ~71 minutes reads as that). */
const MAX_RUN_US = 0xffffffff;

/**
 * The results a worker has not sent yet: one results frame under construction. Each result is
 * encoded when it is added and checked against the message limit there: one too large for any
 * frame fails its own task (MessageTooLargeError), one that does not fit beside the results
 * before it goes out in the next frame, and one that cannot be serialized fails its own task
 * (SerializationError). When to send is the runtime's decision (`flush`).
 */
export class ResultOutbox {
  readonly #batch = new ResultBatchWriter();
  readonly #send: (frame: Frame) => void;
  #oldestAt = 0;
  /** Largest encoded result (and results frame), from the init message. */
  maxBytes = MAX_MESSAGE_BYTES_DEFAULT;

  constructor(send: (frame: Frame) => void) {
    this.#send = send;
  }

  /** Results waiting to be sent. */
  get count(): number {
    return this.#batch.count;
  }

  /** When the oldest waiting result was added (performance.now()). */
  get oldestAt(): number {
    return this.#oldestAt;
  }

  add(taskId: number, ok: boolean, value: unknown, tookMs: number, fn?: AnyFunction): void {
    if (this.#batch.count === 0) this.#oldestAt = performance.now();
    const runUs = Math.min(MAX_RUN_US, Math.round(tookMs * 1000));
    try {
      let bytes = this.#addChecked(taskId, ok, value, runUs);
      if (bytes === NEXT_FRAME) {
        this.flush(); // it fits alone, not beside the results before it
        this.#oldestAt = performance.now();
        bytes = this.#addChecked(taskId, ok, value, runUs);
      }
      if (bytes > 0) {
        const name = fn?.name || 'an anonymous function';
        const error = messageTooLarge('result', name, taskId, bytes, this.maxBytes);
        this.#batch.add(taskId, false, toWireError(error), runUs);
      }
    } catch (error) {
      const what = ok ? 'result' : 'error';
      const failure = new SerializationError(
        `the task's ${what} could not be serialized to send back: ${(error as Error).message}`,
        { cause: error },
      );
      this.#batch.add(taskId, false, toWireError(failure), runUs);
    }
  }

  /** Sends what is waiting, as one frame (nothing when nothing waits). */
  flush(): void {
    const frame = this.#batch.take();
    if (frame !== null) this.#send(frame);
  }

  /** Encodes a result; 0, or (taken out again) NEXT_FRAME or its size over the limit. */
  #addChecked(taskId: number, ok: boolean, value: unknown, runUs: number): number {
    const batch = this.#batch;
    const pos = batch.w.pos;
    const nbufs = batch.bufs.length;
    batch.add(taskId, ok, value, runUs);
    return checkLastEntry(batch, pos, nbufs, this.maxBytes);
  }
}
