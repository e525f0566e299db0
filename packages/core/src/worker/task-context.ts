/**
 * The running task's context inside a worker. A worker runs one task at a time (async
 * tasks included: the next starts only after the current one settles), so "the current
 * task" is well defined for the whole of a task's run, across its awaits.
 */
interface TaskContext {
  taskId: number;
  /** The worker running it (as numbered by its executor). */
  workerId: number;
  /** Created on first use: most tasks never ask for a signal. */
  controller: AbortController | null;
}

// Kept on globalThis under a registered symbol: a task module may load another copy of
// @futures/core than the runtime did (two installed versions, or source vs build), and
// currentSignal() must still see the task that runs now.
const SLOT = Symbol.for('@futures/core/currentTask');
const holder = globalThis as unknown as Record<symbol, TaskContext | null | undefined>;

function currentTask(): TaskContext | null {
  return holder[SLOT] ?? null;
}

export function beginTask(taskId: number, workerId: number): void {
  holder[SLOT] = { taskId, workerId, controller: null };
}

export function endTask(): void {
  holder[SLOT] = null;
}

/**
 * The AbortSignal of the task running now in this worker: it fires when the caller aborts
 * the task. Read it at the start of the task (before the first await).
 */
export function currentSignal(): AbortSignal {
  const current = currentTask();
  if (current === null) throw new Error('currentSignal() is only available while a task runs in a worker');
  current.controller ??= new AbortController();
  return current.controller.signal;
}

/**
 * The id of the worker running the current task, as its executor numbers them (the
 * `workerId` of `stats().workers` and of WorkerLostError). Call it while a task runs.
 */
export function currentWorkerId(): number {
  const current = currentTask();
  if (current === null) throw new Error('currentWorkerId() is only available while a task runs in a worker');
  return current.workerId;
}

/** Aborts the task's signal if it is the one running now; false otherwise. */
export function abortTask(taskId: number, reason: unknown): boolean {
  const current = currentTask();
  if (current === null || current.taskId !== taskId) return false;
  current.controller ??= new AbortController();
  current.controller.abort(reason);
  return true;
}
