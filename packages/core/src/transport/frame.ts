import { Reader, Writer } from '../serialization/buffer-io.js';
import { isWireError } from '../serialization/errors-wire.js';
import { MalformedFrameError } from '../serialization/malformed.js';
import { readValue, writeValue } from '../serialization/values.js';
import {
  CallMode,
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

/** Decodes a controller → worker frame (worker side). Throws MalformedFrameError on malformed input. */
export function decodeControllerMessage(frame: Frame): ControllerMessage {
  const r = new Reader(frame.head);
  const tag = r.u8();
  let msg: ControllerMessage;
  switch (tag) {
    case MessageTag.Init:
      msg = { type: 'init', init: check(readValue(r, frame.bufs), isInitPayload, 'init') };
      break;
    case MessageTag.Tasks: {
      const ndefs = r.varuint();
      if (ndefs > r.end - r.pos) malformed('more function definitions than the frame holds');
      const defs: FnDef[] = [];
      for (let i = 0; i < ndefs; i++)
        defs.push({ fnId: r.varuint(), spec: check(readValue(r, frame.bufs), isFnSpec, 'function spec') });
      const n = r.u32();
      if (n * MIN_ENTRY_BYTES > r.end - r.pos) malformed(`${n} calls claimed, more than the frame holds`);
      const calls: TaskCall[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const taskId = r.u32();
        const fnId = r.varuint();
        const mode = r.u8() as CallMode;
        if (mode !== CallMode.Single && mode !== CallMode.Chunk) malformed(`unknown call mode ${mode}`);
        const args = readValue(r, frame.bufs);
        if (!Array.isArray(args) || (mode === CallMode.Chunk && !args.every((a) => Array.isArray(a))))
          malformed('call arguments are not an argument list');
        calls[i] = { taskId, fnId, mode, args };
      }
      msg = { type: 'tasks', defs, calls };
      break;
    }
    case MessageTag.Abort: {
      const p = readValue(r, frame.bufs) as { taskId?: unknown; reason?: unknown } | null;
      if (typeof p !== 'object' || p === null || typeof p.taskId !== 'number')
        malformed('abort without a task id');
      msg = { type: 'abort', taskId: p.taskId, reason: p.reason };
      break;
    }
    case MessageTag.Stop:
      msg = { type: 'stop' };
      break;
    case MessageTag.Revoke:
      msg = { type: 'revoke', count: r.varuint() };
      break;
    default:
      malformed(`unknown controller message tag ${tag}`);
  }
  if (r.pos !== r.end) malformed(`${r.end - r.pos} bytes after the message`);
  return msg;
}

/** Where decoded results go, with the caller's `context` (e.g. which worker sent the frame). */
export type ResultSink<C> = (taskId: number, ok: boolean, value: unknown, runUs: number, context: C) => void;

/**
 * Decodes a worker → controller frame (controller side). Results are streamed to `onResult`
 * without building a message object per task; other messages are returned. Throws
 * MalformedFrameError on malformed input, after streaming the results before the point
 * where it went wrong (a sink may throw too, e.g. on a failure without a WireError: the
 * scheduler checks that before it settles anything). `context` is passed to every
 * `onResult` call as it is, so that a sink needs no state set around the call.
 */
export function decodeWorkerMessage<C = undefined>(
  frame: Frame,
  onResult: ResultSink<C>,
  context?: C,
): Exclude<WorkerMessage, { type: 'results' }> | null {
  const r = new Reader(frame.head);
  const tag = r.u8();
  let msg: Exclude<WorkerMessage, { type: 'results' }> | null;
  switch (tag) {
    case MessageTag.Results: {
      const n = r.u32();
      if (n * MIN_ENTRY_BYTES > r.end - r.pos) malformed(`${n} results claimed, more than the frame holds`);
      for (let i = 0; i < n; i++) {
        const taskId = r.u32();
        const okByte = r.u8();
        if (okByte > 1) malformed(`result status ${okByte}`);
        const runUs = r.varuint();
        onResult(taskId, okByte === 1, readValue(r, frame.bufs), runUs, context as C);
      }
      msg = null;
      break;
    }
    case MessageTag.Ready:
      msg = { type: 'ready', ready: check(readValue(r, frame.bufs), isReadyPayload, 'ready') };
      break;
    case MessageTag.InitFailed:
      msg = { type: 'init-failed', error: check(readValue(r, frame.bufs), isWireError, 'init-failed') };
      break;
    case MessageTag.Revoked: {
      const n = r.varuint();
      if (n * 4 > r.end - r.pos) malformed(`${n} task ids claimed, more than the frame holds`);
      const taskIds: number[] = [];
      for (let i = 0; i < n; i++) taskIds.push(r.u32());
      msg = { type: 'revoked', taskIds };
      break;
    }
    default:
      malformed(`unknown worker message tag ${tag}`);
  }
  if (r.pos !== r.end) malformed(`${r.end - r.pos} bytes after the message`);
  return msg;
}

/** The fewest bytes a call or result entry takes (id u32, a varuint, a byte, a value). */
const MIN_ENTRY_BYTES = 7;

function malformed(what: string): never {
  throw new MalformedFrameError(`malformed frame: ${what}`);
}

function check<T>(v: unknown, ok: (v: unknown) => v is T, what: string): T {
  if (!ok(v)) malformed(`${what} payload of the wrong shape`);
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isFnSpec(v: unknown): v is FnSpec {
  if (!isRecord(v)) return false;
  if (v.kind === 'module') return typeof v.module === 'string' && typeof v.exportName === 'string';
  return v.kind === 'source' && typeof v.source === 'string' && typeof v.name === 'string';
}

function isInitPayload(v: unknown): v is InitPayload {
  return (
    isRecord(v) &&
    typeof v.workerId === 'number' &&
    (v.initializer === null || isFnSpec(v.initializer)) &&
    Array.isArray(v.initargs) &&
    (v.env === null || (isRecord(v.env) && Object.values(v.env).every((e) => typeof e === 'string'))) &&
    (v.cwd === null || typeof v.cwd === 'string')
  );
}

function isReadyPayload(v: unknown): v is ReadyPayload {
  return (
    isRecord(v) &&
    typeof v.workerId === 'number' &&
    typeof v.host === 'string' &&
    typeof v.pid === 'number' &&
    (v.label === undefined || typeof v.label === 'string')
  );
}
