import * as os from 'node:os';
import { threadId } from 'node:worker_threads';
import { TaskLoadError } from '../errors.js';
import { RateLimitedWarning } from '../executor/stats.js';
import { toWireError } from '../serialization/errors-wire.js';
import { resolvePendingInstances } from '../serialization/values.js';
import type { AnyFunction } from '../task.js';
import type { WorkerEndpoint } from '../transport/contract.js';
import { decodeControllerMessage, encodeWorkerMessage, type Frame } from '../transport/frame.js';
import { MAX_MESSAGE_BYTES_DEFAULT } from '../transport/message-limit.js';
import {
  CallMode,
  type FnSpec,
  type InitPayload,
  type ReadyPayload,
  type TaskCall,
} from '../transport/protocol.js';
import { markWorker } from '../worker-context.js';
import { launcherLabel } from './launcher-label.js';
import { loadFunction } from './load.js';
import { ResultOutbox } from './result-outbox.js';
import { abortTask, beginTask, endTask } from './task-context.js';
import { isTypeScriptModule, registerTypeScriptFor } from './typescript.js';

const malformedLog = new RateLimitedWarning('FUTURES_MALFORMED_FRAME');

type Loaded = AnyFunction | Promise<AnyFunction> | Error;

/**
 * Results are sent when the queue drains, or sooner when this many are waiting (half of
 * the last batch received, within bounds: the controller can then send the next batch
 * while this worker still has work, so it never idles between batches) ...
 */
const FLUSH_COUNT_MIN = 8;
const FLUSH_COUNT_MAX = 256;
/** ... or when the oldest unsent result is this old (ms), so long batches still stream ... */
const FLUSH_AGE_MS = 2;
/**
 * ... or before starting a task whose function is not known to be quick (its average run
 * is longer than this, in ms, or it never ran here): a long task must not hold back the
 * results of the quick ones before it. Tiny tasks keep their batching.
 */
const QUICK_TASK_MS = 0.05;
/**
 * A task that ran longer than this (ms) is followed by a look at the link before the next
 * (a revoke or an abort may have come meanwhile): through the endpoint's `receive` when it
 * has one, else one turn of the event loop.
 */
const YIELD_AFTER_MS = 1;
/**
 * With `receive`, a worker can go from task to task without its event loop; it still gives
 * the loop a turn at least this often (ms), for timers and I/O of the task code.
 */
const LOOP_TURN_EVERY_MS = 50;

export interface WorkerRuntime {
  /** Hands one frame from the controller to the runtime. */
  handle(frame: Frame): void;
  /** True while no task is queued or running (a transport may then block waiting for input). */
  readonly idle: boolean;
}

export interface WorkerRuntimeOptions {
  /**
   * Called with a module's specifier before this worker first imports it (task modules and
   * the initializer's); the import waits for the returned promise. A transport uses it to
   * register a loader only when needed (e.g. TypeScript for `.ts` task modules).
   * @default registers tsx (the application's) before the first TypeScript task module
   */
  beforeImport?(specifier: string): void | Promise<void>;
}

/**
 * Serves tasks on one worker, for every transport: decodes frames, imports task modules
 * once and caches them, runs tasks one at a time in arrival order (sync and async),
 * runs the initializer, applies env/cwd, and sends results back in batches.
 */
export function serveWorker(endpoint: WorkerEndpoint, options: WorkerRuntimeOptions = {}): WorkerRuntime {
  markWorker(); // before any task module is imported: isWorker() guards see it
  return new Runtime(endpoint, options.beforeImport ?? loadTypeScriptFirst);
}

/** The default before a task module's import: TypeScript modules need tsx registered first. */
function loadTypeScriptFirst(specifier: string): Promise<void> | undefined {
  return isTypeScriptModule(specifier) ? registerTypeScriptFor(specifier) : undefined;
}

class Runtime implements WorkerRuntime {
  readonly #endpoint: WorkerEndpoint;
  readonly #fns = new Map<number, Loaded>();
  #queue: TaskCall[] = [];
  #head = 0;
  #pumping = false;
  #stopping = false;
  #closed = false;
  #initDone: Promise<boolean> | null = null;
  /** The init message is being processed (an async initializer or its import is pending): not idle. */
  #initializing = false;
  readonly #results: ResultOutbox;
  #baseDir: string | null = null;
  /** This worker's id, from the init message. */
  #workerId = -1;
  /** Average run time (ms) per function id, to decide when to flush before a task. */
  readonly #avgMs: number[] = [];
  /** Tasks aborted while still queued here: they are answered without running. */
  readonly #abortedQueued = new Set<number>();
  #flushCount = FLUSH_COUNT_MAX;

  readonly #beforeImport: WorkerRuntimeOptions['beforeImport'];

  constructor(endpoint: WorkerEndpoint, beforeImport?: WorkerRuntimeOptions['beforeImport']) {
    this.#endpoint = endpoint;
    this.#results = new ResultOutbox((frame) => endpoint.send(frame));
    this.#beforeImport = beforeImport;
  }

  get idle(): boolean {
    return !this.#pumping && !this.#initializing && this.#head >= this.#queue.length;
  }

  handle(frame: Frame): void {
    if (this.#closed) return;
    let msg: ReturnType<typeof decodeControllerMessage>;
    try {
      msg = decodeControllerMessage(frame);
    } catch (error) {
      // a malformed frame is dropped and said (rate-limited); the worker keeps serving
      malformedLog.warn(
        `futures: dropped a malformed frame from the controller: ${(error as Error).message}`,
      );
      return;
    }
    switch (msg.type) {
      case 'init':
        this.#initializing = true;
        this.#initDone = this.#init(msg.init);
        break;
      case 'tasks':
        for (const def of msg.defs) this.#define(def.fnId, def.spec);
        for (const call of msg.calls) this.#queue.push(call);
        this.#flushCount = Math.max(FLUSH_COUNT_MIN, Math.min(FLUSH_COUNT_MAX, msg.calls.length >> 1));
        this.#pump();
        break;
      case 'abort':
        if (!abortTask(msg.taskId, msg.reason)) {
          for (let i = this.#head; i < this.#queue.length; i++) {
            if (this.#queue[i]!.taskId === msg.taskId) this.#abortedQueued.add(msg.taskId);
          }
        }
        break;
      case 'revoke':
        this.#revoke(msg.count);
        break;
      case 'stop':
        this.#stopping = true;
        this.#pump();
        break;
    }
  }

  /**
   * Gives back up to `count` queued calls that have not started, newest first. Calls at
   * or after #head have not been taken by #drain (one taken is running or awaiting its
   * function's import: it stays). This runs on the worker's only JS thread, between
   * tasks or while an async task awaits, so no call can start while we take them.
   */
  #revoke(count: number): void {
    const taskIds: number[] = [];
    while (taskIds.length < count && this.#queue.length > this.#head) {
      const call = this.#queue.pop()!;
      this.#abortedQueued.delete(call.taskId);
      taskIds.push(call.taskId);
    }
    taskIds.reverse();
    this.#results.flush(); // what finished before the revoke reaches the controller first
    this.#endpoint.send(encodeWorkerMessage({ type: 'revoked', taskIds }));
  }

  async #init(init: InitPayload): Promise<boolean> {
    const identity: ReadyPayload = {
      workerId: init.workerId,
      host: os.hostname(),
      pid: process.pid,
      threadId,
    };
    const label = launcherLabel();
    if (label !== undefined) identity.label = label;
    this.#workerId = init.workerId;
    this.#results.maxBytes = init.maxMessageBytes ?? MAX_MESSAGE_BYTES_DEFAULT;
    try {
      if (init.env) Object.assign(process.env, init.env);
      if (init.cwd) {
        this.#baseDir = init.cwd;
        try {
          process.chdir(init.cwd);
        } catch (error) {
          // Worker threads share the process's directory and cannot chdir: the option
          // then only sets the base for relative task module paths.
          if ((error as { code?: string }).code !== 'ERR_WORKER_UNSUPPORTED_OPERATION') throw error;
        }
      }
      if (init.initializer) {
        const fn = await loadFunction(init.initializer, this.#baseDir, this.#beforeImport);
        await fn(...init.initargs);
      }
    } catch (error) {
      this.#initializing = false;
      this.#endpoint.send(encodeWorkerMessage({ type: 'init-failed', error: toWireError(error) }));
      return false;
    }
    this.#initializing = false;
    this.#endpoint.send(encodeWorkerMessage({ type: 'ready', ready: identity }));
    return true;
  }

  #define(fnId: number, spec: FnSpec): void {
    if (this.#fns.has(fnId)) return;
    const loading = loadFunction(spec, this.#baseDir, this.#beforeImport).then(
      (fn) => {
        this.#fns.set(fnId, fn);
        return fn;
      },
      (error: unknown) => {
        const keep =
          error instanceof TaskLoadError || (error as Error | undefined)?.name === 'PoolInTaskModuleError';
        const e = keep ? (error as Error) : new TaskLoadError(String(error), { cause: error });
        this.#fns.set(fnId, e);
        throw e;
      },
    );
    loading.catch(() => {}); // observed through #fns; tasks using it fail one by one
    this.#fns.set(fnId, loading);
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#drain().catch((error: unknown) => {
      // Only a bug in the runtime itself gets here: make it loud, the transport reports the loss.
      queueMicrotask(() => {
        throw error;
      });
    });
  }

  async #drain(): Promise<void> {
    if (this.#initDone !== null && !(await this.#initDone)) {
      // The initializer failed: no task runs here. Once told to stop, close the endpoint
      // (the controller's orderly stop waits for it).
      this.#pumping = false;
      if (this.#stopping && !this.#closed) {
        this.#closed = true;
        this.#endpoint.close();
      }
      return;
    }
    let turnAt = performance.now();
    for (;;) {
      if (this.#head >= this.#queue.length) {
        // Out of work: a task may wait in the link already. Take it without a turn of the
        // event loop when the endpoint can (the loop still gets one every LOOP_TURN_EVERY_MS).
        this.#queue = [];
        this.#head = 0;
        if (!this.#mayReceive(turnAt)) break;
        this.#endpoint.receive!();
        if (this.#head >= this.#queue.length) break;
      }
      const call = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as TaskCall;
      let fn = this.#fns.get(call.fnId);
      if (fn instanceof Promise) {
        this.#results.flush();
        try {
          fn = await fn;
        } catch (error) {
          fn = error as Error;
        }
      }
      if (fn === undefined)
        fn = new TaskLoadError(`function id ${call.fnId} was never defined (protocol error)`);
      if (this.#abortedQueued.delete(call.taskId)) {
        this.#results.add(call.taskId, false, toWireError(new Error('aborted before it started')), 0);
      } else if (fn instanceof Error) {
        this.#results.add(call.taskId, false, toWireError(fn), 0);
      } else {
        const avg = this.#avgMs[call.fnId];
        if (this.#results.count > 0 && (avg === undefined || avg > QUICK_TASK_MS)) this.#results.flush();
        resolvePendingInstances(); // its module is imported now: its classes are registered
        const took = await this.#run(call, fn);
        this.#avgMs[call.fnId] = avg === undefined ? took : avg * 0.8 + took * 0.2;
        // After a long task, let the transport deliver what came meanwhile (a revoke, an
        // abort) before the next queued task starts: a sync task blocked this thread, and
        // the tasks queued here may be wanted back by an idle worker.
        if (took > YIELD_AFTER_MS && this.#head < this.#queue.length) {
          if (this.#mayReceive(turnAt)) this.#endpoint.receive!();
          else {
            await yieldToEventLoop();
            turnAt = performance.now();
          }
        }
      }
      if (
        this.#results.count >= this.#flushCount ||
        performance.now() - this.#results.oldestAt > FLUSH_AGE_MS
      )
        this.#results.flush();
    }
    this.#queue = [];
    this.#head = 0;
    this.#results.flush();
    this.#pumping = false;
    if (this.#stopping && !this.#closed) {
      this.#closed = true;
      this.#endpoint.close();
    }
  }

  /** Whether to read the link synchronously now: the endpoint can, and the event loop had a turn recently. */
  #mayReceive(turnAt: number): boolean {
    return this.#endpoint.receive !== undefined && performance.now() - turnAt <= LOOP_TURN_EVERY_MS;
  }

  /** Runs one call and queues its outcome; resolves with how long it ran (ms). */
  async #run(call: TaskCall, fn: AnyFunction): Promise<number> {
    let ok = true;
    let value: unknown;
    const started = performance.now();
    beginTask(call.taskId, this.#workerId);
    try {
      value = call.mode === CallMode.Chunk ? this.#runChunk(fn, call.args as unknown[][]) : fn(...call.args);
      if (isThenable(value)) {
        this.#results.flush();
        value = await value;
      }
    } catch (error) {
      ok = false;
      value = error;
    } finally {
      endTask();
    }
    const took = performance.now() - started;
    this.#results.add(call.taskId, ok, ok ? value : toWireError(value), took, fn);
    return took;
  }

  #runChunk(fn: AnyFunction, argLists: unknown[][]): unknown[] | Promise<unknown[]> {
    const out = new Array<unknown>(argLists.length);
    for (let i = 0; i < argLists.length; i++) {
      const r = fn(...argLists[i]!);
      if (isThenable(r)) return this.#finishChunkAsync(fn, argLists, out, i, r);
      out[i] = r;
    }
    return out;
  }

  async #finishChunkAsync(
    fn: AnyFunction,
    argLists: unknown[][],
    out: unknown[],
    from: number,
    pending: PromiseLike<unknown>,
  ): Promise<unknown[]> {
    out[from] = await pending;
    for (let i = from + 1; i < argLists.length; i++) out[i] = await fn(...argLists[i]!);
    return out;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}
