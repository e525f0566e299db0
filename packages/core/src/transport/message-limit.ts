import { constants as bufferConstants } from 'node:buffer';
import { MessageTooLargeError } from '../errors.js';
import { registerClass } from '../serialization/classes.js';
import type { FnSpec } from './protocol.js';

// The message size limit (`maxMessageBytes`). The scheduler checks each task's encoded
// arguments as it adds them to a batch frame, the worker runtime each encoded result: an
// entry over the limit is taken out of its frame again and only its task fails, with a
// MessageTooLargeError; an entry that fits alone but not beside the others starts a new frame.

// Both sides register it: a result over the limit is reported from the worker and arrives
// as a MessageTooLargeError (instanceof holds, its fields travel).
registerClass(MessageTooLargeError, '@futures/core:MessageTooLargeError');

/** The default limit: what a Node Buffer can hold, at most 4 GiB (as zmq's receive limit always was). */
export const MAX_MESSAGE_BYTES_DEFAULT = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

/**
 * The most bytes one frame's head may have, whatever the limit: shm and MPI send a head
 * with a signed 32-bit length (the ring's prefix, MPI_Isend's count). Out-of-band buffers
 * (typed arrays) are not bound by it; they travel in pieces.
 */
export const MAX_HEAD_BYTES = 2 ** 31 - 1 - 64 * 1024;

/** The writable side of TaskBatchWriter / ResultBatchWriter that the check needs. */
interface BatchFrame {
  readonly w: { pos: number };
  bufs: Uint8Array[];
  count: number;
}

/** checkLastEntry: the entry fits alone but not in this frame (send the frame, add it to a new one). */
export const NEXT_FRAME = -1;

/**
 * Checks the entry just added to `frame` (it began at head position `pos` with `nbufs`
 * buffers) against `limit`: the entry's bytes (head part plus its buffers), and the whole
 * frame's. Returns 0 when it stays; else it is rolled back, and the result is NEXT_FRAME,
 * or (over the limit by itself: fail its task) the entry's size in bytes.
 */
export function checkLastEntry(frame: BatchFrame, pos: number, nbufs: number, limit: number): number {
  const end = frame.w.pos;
  const bufs = frame.bufs;
  let own = end - pos;
  for (let i = nbufs; i < bufs.length; i++) own += bufs[i]!.byteLength;
  let fit = 0;
  if (own > limit || end - pos > MAX_HEAD_BYTES) fit = own;
  else if (frame.count > 1 && (end > MAX_HEAD_BYTES || frameBytes(frame) > limit)) fit = NEXT_FRAME;
  if (fit !== 0) {
    frame.w.pos = pos;
    bufs.length = nbufs;
    frame.count--;
  }
  return fit;
}

function frameBytes(frame: BatchFrame): number {
  let n = frame.w.pos;
  for (const b of frame.bufs) n += b.byteLength;
  return n;
}

/** The error of a task whose arguments or result are over the limit: names it, the sizes and the fix. */
export function messageTooLarge(
  part: 'arguments' | 'result',
  fn: string,
  taskId: number,
  bytes: number,
  limit: number,
): MessageTooLargeError {
  const headOnly = bytes <= limit;
  const what = `${part} of task ${taskId} (${fn}) ${part === 'arguments' ? 'encode' : 'encodes'}`;
  const message = headOnly
    ? `futures: the ${what} to more than ${MAX_HEAD_BYTES} bytes of ` +
      'strings and plain values, more than one message can carry. Fix: pass large data as typed ' +
      'arrays or Buffers (they travel apart), or through a file or shared memory.'
    : `futures: the ${what} to ${bytes} bytes, over the message limit ` +
      `of ${limit} bytes. Fix: raise the executor option maxMessageBytes (or FUTURES_MAX_MESSAGE_BYTES; ` +
      `at most ${MAX_MESSAGE_BYTES_DEFAULT}, or the transport's own limit, e.g. zmq's ` +
      'FUTURES_ZMQ_MAX_MESSAGE_BYTES), or pass the data through a file or shared memory.';
  return new MessageTooLargeError(message, bytes, headOnly ? MAX_HEAD_BYTES : limit, part, fn, taskId);
}

/** How an error message names a task's function. */
export function fnLabel(spec: FnSpec): string {
  return spec.kind === 'module'
    ? `${spec.exportName} from ${spec.module}`
    : `${spec.name || 'an anonymous function'} (inline)`;
}
