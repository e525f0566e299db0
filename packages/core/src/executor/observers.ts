import type { WireError } from '../serialization/errors-wire.js';
import type { FnSpec, ReadyPayload } from '../transport/protocol.js';

/**
 * The executor's event hook: what happens to workers and tasks, for dashboards and
 * monitoring (`executor.observe(observer)`). Task arguments and results are never given.
 *
 * Cost: with no observer the scheduler checks one field (null) per task and allocates
 * nothing. With one, each event is one small object and one call per observer, on the
 * controller's thread, synchronously: an observer must be quick and must not throw (an
 * exception is caught, reported once as a FUTURES_OBSERVER_ERROR warning, and that observer
 * is removed).
 *
 * Times are epoch milliseconds (`performance.timeOrigin + performance.now()`: fractional,
 * on the controller's clock; compare them with `Date.now()`).
 */

/** A worker that joined: it finished its init and is ready for tasks. */
export interface WorkerJoinedEvent {
  workerId: number;
  host: string;
  pid: number;
  /** Its thread's id in its process (0: a process's main thread, e.g. an MPI rank or zmq worker). */
  threadId: number;
  /** A launcher's name for the worker when it has one: "rank 3" for an MPI rank; absent otherwise. */
  label?: string;
  time: number;
}

/**
 * A worker that is gone while the executor runs (exit, crash, heartbeat timeout, termination).
 * Workers that end once shutdown has stopped them (every task done) are not reported here: `closed` covers them.
 */
export interface WorkerLostEvent {
  workerId: number;
  /** Why, as the transport said (an Error with its message and code). */
  reason: Error;
  time: number;
}

/**
 * A task handed to a worker: its future became RUNNING. The worker may still hold it behind
 * the task it runs (see `TaskFinishedEvent.start` for when it really began running).
 */
export interface TaskStartedEvent {
  workerId: number;
  taskId: number;
  /** The task function's name (see `TaskFinishedEvent.fn`). */
  fn: string;
  time: number;
}

/** A failed task's error, as its worker reported it (a copy: name, message, remote stack). */
export interface ObservedTaskError {
  name: string;
  message: string;
  stack?: string;
}

/** A task whose result (or error) came back from its worker. */
export interface TaskFinishedEvent {
  workerId: number;
  /** Per executor; ids are reused after 2^32 tasks. */
  taskId: number;
  /**
   * The task function's name: the export name of a task reference (its module's file name
   * for a `default` export), else the function's own name ("<anonymous>" without one).
   */
  fn: string;
  ok: boolean;
  /** When it began running at its worker: `end` minus the run time the worker measured. */
  start: number;
  /** When its result arrived at the controller. */
  end: number;
  /** Run time measured by the worker (ms). */
  runMs: number;
  /** Set when `ok` is false (undefined otherwise). */
  error?: ObservedTaskError | undefined;
}

/** Callbacks for `executor.observe`; give only those you need (the others cost nothing). */
export interface ExecutorObserver {
  workerJoined?(event: WorkerJoinedEvent): void;
  workerLost?(event: WorkerLostEvent): void;
  taskStarted?(event: TaskStartedEvent): void;
  taskFinished?(event: TaskFinishedEvent): void;
  /** The executor stopped: shut down (its workers exited), or broke (`broken` says why). */
  closed?(event: { time: number; broken?: Error }): void;
}

const epochNow = (perfNow: number): number => performance.timeOrigin + perfNow;

/** The short name of a task function for displays. */
export function fnDisplayName(spec: FnSpec): string {
  if (spec.kind === 'source') return spec.name || '<anonymous>';
  if (spec.exportName !== 'default') return spec.exportName;
  const file = spec.module.split(/[\\/]/).pop() ?? spec.module;
  return file.replace(/\.[cm]?[jt]sx?$/, '') || 'default';
}

/**
 * The observers of one executor. The scheduler holds it only while there is at least one
 * observer (`Scheduler.observers` is null otherwise), so each hot-path site is
 * `this.observers?.taskFinished(...)` (arguments are not evaluated when it is null).
 */
export class ObserverSet {
  // Copy-on-write lists (replaced on add/delete, never changed in place): an observer that
  // unsubscribes during an event does not disturb the loop; the per-kind lists keep the
  // per-task paths to a plain loop over those who listen.
  #all: readonly ExecutorObserver[] = [];
  #started: readonly ExecutorObserver[] = [];
  #finished: readonly ExecutorObserver[] = [];
  /** Display names by fnId (computed once per function). */
  readonly #names: string[] = [];
  #warned = false;

  constructor(readonly specs: readonly FnSpec[]) {}

  get size(): number {
    return this.#all.length;
  }

  add(observer: ExecutorObserver): void {
    this.#set([...this.#all, observer]);
  }

  delete(observer: ExecutorObserver): void {
    this.#set(this.#all.filter((o) => o !== observer));
  }

  #set(all: readonly ExecutorObserver[]): void {
    this.#all = all;
    this.#started = all.filter((o) => o.taskStarted !== undefined);
    this.#finished = all.filter((o) => o.taskFinished !== undefined);
  }

  fnName(fnId: number): string {
    let name = this.#names[fnId];
    if (name === undefined) {
      name = fnDisplayName(this.specs[fnId]!);
      this.#names[fnId] = name;
    }
    return name;
  }

  workerJoined(workerId: number, ready: ReadyPayload): void {
    const { host, pid, threadId } = ready;
    const event: WorkerJoinedEvent = { workerId, host, pid, threadId, time: epochNow(performance.now()) };
    if (ready.label !== undefined) event.label = ready.label;
    for (const o of this.#all) if (o.workerJoined !== undefined) this.#call(o, 'workerJoined', event);
  }

  workerLost(workerId: number, reason: Error): void {
    const event: WorkerLostEvent = { workerId, reason, time: epochNow(performance.now()) };
    for (const o of this.#all) if (o.workerLost !== undefined) this.#call(o, 'workerLost', event);
  }

  taskStarted(workerId: number, taskId: number, fnId: number, perfNow: number): void {
    const list = this.#started;
    if (list.length === 0) return;
    const event: TaskStartedEvent = { workerId, taskId, fn: this.fnName(fnId), time: epochNow(perfNow) };
    for (let i = 0; i < list.length; i++) this.#call(list[i]!, 'taskStarted', event);
  }

  /** `value` is the wire error record when `ok` is false; a result is never looked at. */
  taskFinished(
    workerId: number,
    taskId: number,
    fnId: number,
    ok: boolean,
    value: unknown,
    runMs: number,
    perfNow: number,
  ): void {
    const list = this.#finished;
    if (list.length === 0) return;
    const end = epochNow(perfNow);
    const event: TaskFinishedEvent = {
      workerId,
      taskId,
      fn: this.fnName(fnId),
      ok,
      start: end - runMs,
      end,
      runMs,
      error: ok ? undefined : errorOf(value as WireError),
    };
    for (let i = 0; i < list.length; i++) this.#call(list[i]!, 'taskFinished', event);
  }

  closed(broken?: Error): void {
    const event: { time: number; broken?: Error } = { time: epochNow(performance.now()) };
    if (broken !== undefined) event.broken = broken;
    for (const o of this.#all) if (o.closed !== undefined) this.#call(o, 'closed', event);
  }

  #call<K extends keyof ExecutorObserver>(
    observer: ExecutorObserver,
    kind: K,
    event: Parameters<NonNullable<ExecutorObserver[K]>>[0],
  ): void {
    try {
      (observer[kind] as (e: typeof event) => void).call(observer, event);
    } catch (error) {
      this.delete(observer);
      if (!this.#warned) {
        this.#warned = true;
        process.emitWarning(
          `futures: an executor observer threw in ${kind} and was removed: ${(error as Error)?.message ?? String(error)}`,
          { type: 'FuturesWarning', code: 'FUTURES_OBSERVER_ERROR' },
        );
      }
    }
  }
}

function errorOf(wire: WireError): ObservedTaskError {
  const out: ObservedTaskError = { name: wire.name, message: wire.message };
  if (wire.isError && wire.stack !== '') out.stack = wire.stack;
  return out;
}
