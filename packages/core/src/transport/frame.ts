import { Reader, Writer } from '../serialization/buffer-io.js';
import type { WireError } from '../serialization/errors-wire.js';
import { readValue, writeValue } from '../serialization/values.js';
import {
  type CallMode,
  type ControllerMessage,
  type FnDef,
  type FnSpec,
  type InitPayload,
  MessageTag,
  type ReadyPayload,
  type TaskCall,
  type WorkerMessage,
} from './protocol.js';

/**
 * A message as a transport sees it: a small head plus out-of-band payload buffers that
 * must arrive intact and in order with it. Transports never look inside.
 */
export interface Frame {
  head: Uint8Array;
  bufs: Uint8Array[];
}

/*
 * Byte layout of a head (little endian; varuint = 7 bits per byte):
 *   Init/Ready/InitFailed/Abort: tag u8, then one value (the payload record)
 *   Stop:                        tag u8
 *   Revoke:  tag u8, count varuint
 *   Revoked: tag u8, n varuint, n × taskId u32
 *   Tasks:   tag u8, ndefs varuint, ndefs × (fnId varuint, spec value),
 *            ncalls u32, ncalls × (taskId u32, fnId varuint, mode u8, args value)
 *   Results: tag u8, n u32, n × (taskId u32, ok u8, runUs varuint, value)
 * ncalls/n are patched once the batch is complete, so batches are built in one pass.
 */

/** Builds one Tasks frame call by call; a call that fails to encode is rolled back alone. */
export class TaskBatchWriter {
  readonly w = new Writer(1 << 14);
  bufs: Uint8Array[] = [];
  count = 0;
  #countPos = 0;

  begin(defs: readonly FnDef[]): void {
    this.w.reset();
    this.bufs = [];
    this.count = 0;
    this.w.u8(MessageTag.Tasks);
    this.w.varuint(defs.length);
    for (const d of defs) {
      this.w.varuint(d.fnId);
      writeValue(this.w, d.spec, this.bufs);
    }
    this.#countPos = this.w.pos;
    this.w.u32(0);
  }

  /** Appends a call; throws (leaving the batch as it was) when the arguments cannot be encoded. */
  add(taskId: number, fnId: number, mode: CallMode, args: unknown[]): void {
    const pos = this.w.pos;
    const nbufs = this.bufs.length;
    try {
      this.w.u32(taskId);
      this.w.varuint(fnId);
      this.w.u8(mode);
      writeValue(this.w, args, this.bufs);
    } catch (error) {
      this.w.pos = pos;
      this.bufs.length = nbufs;
      throw error;
    }
    this.count++;
  }

  finish(): Frame {
    this.w.view.setUint32(this.#countPos, this.count, true);
    return { head: this.w.take(), bufs: this.bufs };
  }
}

/** Builds one Results frame; an unencodable result is rolled back so the caller can send an error instead. */
export class ResultBatchWriter {
  readonly w = new Writer(1 << 14);
  bufs: Uint8Array[] = [];
  count = 0;

  constructor() {
    this.#begin();
  }

  #begin(): void {
    this.w.reset();
    this.bufs = [];
    this.count = 0;
    this.w.u8(MessageTag.Results);
    this.w.u32(0);
  }

  add(taskId: number, ok: boolean, value: unknown, runUs = 0): void {
    const pos = this.w.pos;
    const nbufs = this.bufs.length;
    try {
      this.w.u32(taskId);
      this.w.u8(ok ? 1 : 0);
      this.w.varuint(runUs);
      writeValue(this.w, value, this.bufs);
    } catch (error) {
      this.w.pos = pos;
      this.bufs.length = nbufs;
      throw error;
    }
    this.count++;
  }

  /** The frame of everything added since the last take, or null when empty. */
  take(): Frame | null {
    if (this.count === 0) return null;
    this.w.view.setUint32(1, this.count, true);
    const frame = { head: this.w.take(), bufs: this.bufs };
    this.#begin();
    return frame;
  }
}

function simpleFrame(tag: MessageTag, payload?: unknown): Frame {
  const w = new Writer(256);
  const bufs: Uint8Array[] = [];
  w.u8(tag);
  if (payload !== undefined) writeValue(w, payload, bufs);
  return { head: w.take(), bufs };
}

export function encodeControllerMessage(msg: Exclude<ControllerMessage, { type: 'tasks' }>): Frame {
  switch (msg.type) {
    case 'revoke': {
      const w = new Writer(16);
      w.u8(MessageTag.Revoke);
      w.varuint(msg.count);
      return { head: w.take(), bufs: [] };
    }
    case 'init':
      return simpleFrame(MessageTag.Init, msg.init);
    case 'abort':
      return simpleFrame(MessageTag.Abort, { taskId: msg.taskId, reason: msg.reason });
    case 'stop':
      return simpleFrame(MessageTag.Stop);
  }
}

export function encodeWorkerMessage(msg: Exclude<WorkerMessage, { type: 'results' }>): Frame {
  switch (msg.type) {
    case 'ready':
      return simpleFrame(MessageTag.Ready, msg.ready);
    case 'init-failed':
      return simpleFrame(MessageTag.InitFailed, msg.error);
    case 'revoked': {
      const w = new Writer(8 + 4 * msg.taskIds.length);
      w.u8(MessageTag.Revoked);
      w.varuint(msg.taskIds.length);
      for (const id of msg.taskIds) w.u32(id);
      return { head: w.take(), bufs: [] };
    }
  }
}

/** Decodes a controller → worker frame (worker side). Throws RangeError on malformed input. */
export function decodeControllerMessage(frame: Frame): ControllerMessage {
  const r = new Reader(frame.head);
  const tag = r.u8();
  switch (tag) {
    case MessageTag.Init:
      return { type: 'init', init: readValue(r, frame.bufs) as InitPayload };
    case MessageTag.Tasks: {
      const ndefs = r.varuint();
      const defs: FnDef[] = [];
      for (let i = 0; i < ndefs; i++)
        defs.push({ fnId: r.varuint(), spec: readValue(r, frame.bufs) as FnSpec });
      const n = r.u32();
      const calls: TaskCall[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const taskId = r.u32();
        const fnId = r.varuint();
        const mode = r.u8() as CallMode;
        calls[i] = { taskId, fnId, mode, args: readValue(r, frame.bufs) as unknown[] };
      }
      return { type: 'tasks', defs, calls };
    }
    case MessageTag.Abort: {
      const p = readValue(r, frame.bufs) as { taskId: number; reason: unknown };
      return { type: 'abort', taskId: p.taskId, reason: p.reason };
    }
    case MessageTag.Stop:
      return { type: 'stop' };
    case MessageTag.Revoke:
      return { type: 'revoke', count: r.varuint() };
    default:
      throw new RangeError(`malformed frame: unknown controller message tag ${tag}`);
  }
}

export type ResultSink = (taskId: number, ok: boolean, value: unknown, runUs: number) => void;

/**
 * Decodes a worker → controller frame (controller side). Results are streamed to `onResult`
 * without building a message object per task; other messages are returned.
 */
export function decodeWorkerMessage(
  frame: Frame,
  onResult: ResultSink,
): Exclude<WorkerMessage, { type: 'results' }> | null {
  const r = new Reader(frame.head);
  const tag = r.u8();
  switch (tag) {
    case MessageTag.Results: {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const taskId = r.u32();
        const ok = r.u8() === 1;
        const runUs = r.varuint();
        onResult(taskId, ok, readValue(r, frame.bufs), runUs);
      }
      return null;
    }
    case MessageTag.Ready:
      return { type: 'ready', ready: readValue(r, frame.bufs) as ReadyPayload };
    case MessageTag.InitFailed:
      return { type: 'init-failed', error: readValue(r, frame.bufs) as WireError };
    case MessageTag.Revoked: {
      const n = r.varuint();
      const taskIds: number[] = [];
      for (let i = 0; i < n; i++) taskIds.push(r.u32());
      return { type: 'revoked', taskIds };
    }
    default:
      throw new RangeError(`malformed frame: unknown worker message tag ${tag}`);
  }
}
