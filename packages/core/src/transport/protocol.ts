import type { WireError } from '../serialization/errors-wire.js';

/**
 * The wire protocol between the controller and a worker, as one tagged union per
 * direction. Every transport moves these messages as opaque Frames (see frame.ts for the
 * byte layout); only core encodes and decodes them.
 */

/** How a worker finds a task function. */
export type FnSpec =
  /** `task(moduleUrl, exportName)`: imported once per worker and cached. */
  | { kind: 'module'; module: string; exportName: string }
  /** A self-contained function sent as source text. */
  | { kind: 'source'; source: string; name: string };

/** How a call's arguments are applied. */
export enum CallMode {
  /** args is the argument list of one call. */
  Single = 0,
  /** args is a list of argument lists (map/starmap chunk); the result is the list of results. */
  Chunk = 1,
}

export interface FnDef {
  fnId: number;
  spec: FnSpec;
}

export interface TaskCall {
  taskId: number;
  fnId: number;
  mode: CallMode;
  args: unknown[];
}

export interface InitPayload {
  workerId: number;
  initializer: FnSpec | null;
  initargs: unknown[];
  env: Record<string, string> | null;
  cwd: string | null;
  /** The message size limit (bytes) results are checked against; absent: MAX_MESSAGE_BYTES_DEFAULT. */
  maxMessageBytes?: number;
}

export interface ReadyPayload {
  workerId: number;
  host: string;
  pid: number;
  threadId: number;
  /** A launcher's name for the worker process, e.g. "rank 3" (MPI); absent otherwise (and from older workers). */
  label?: string;
}

/** Controller → worker. */
export type ControllerMessage =
  | { type: 'init'; init: InitPayload }
  /** A batch of calls; `defs` defines the function ids this worker has not seen yet. */
  | { type: 'tasks'; defs: FnDef[]; calls: TaskCall[] }
  /** Abort a running task (cooperative cancellation). */
  | { type: 'abort'; taskId: number; reason: unknown }
  /**
   * Work stealing: give back up to `count` of the tasks held here that have not started,
   * newest first. The worker answers with `revoked` (possibly empty); a task it started
   * before the request arrived stays with it and its result comes as usual.
   */
  | { type: 'revoke'; count: number }
  /** Finish the queued tasks, then exit. */
  | { type: 'stop' };

export interface TaskOutcome {
  taskId: number;
  ok: boolean;
  /** How long the call ran on the worker, in microseconds (the scheduler learns durations from it). */
  runUs: number;
  /** The result when ok, else a WireError. */
  value: unknown;
}

/** Worker → controller. */
export type WorkerMessage =
  | { type: 'ready'; ready: ReadyPayload }
  | { type: 'init-failed'; error: WireError }
  | { type: 'results'; results: TaskOutcome[] }
  /** The answer to `revoke`: the tasks given back, none of which has started or will. */
  | { type: 'revoked'; taskIds: number[] };

/** The first byte of every frame head. */
export enum MessageTag {
  Init = 1,
  Tasks = 2,
  Abort = 3,
  Stop = 4,
  Revoke = 5,
  Ready = 16,
  InitFailed = 17,
  Results = 18,
  Revoked = 19,
}
