/**
 * The running task's context inside a worker. A worker runs one task at a time (async
 * tasks included: the next starts only after the current one settles), so "the current
 * task" is well defined for the whole of a task's run, across its awaits.
 */
interface TaskContext {
  taskId: number;
  /** Created on first use: most tasks never ask for a signal. */
  controller: AbortController | null;
}

let current: TaskContext | null = null;

export function beginTask(taskId: number): void {
  current = { taskId, controller: null };
}

export function endTask(): void {
  current = null;
}

/**
 * The AbortSignal of the task running now in this worker: it fires when the caller aborts
 * the task. Read it at the start of the task (before the first await).
 */
export function currentSignal(): AbortSignal {
  if (current === null) throw new Error('currentSignal() is only available while a task runs in a worker');
  current.controller ??= new AbortController();
  return current.controller.signal;
}

/** Aborts the task's signal if it is the one running; otherwise a no-op (it already finished). */
export function abortTask(taskId: number, reason: unknown): void {
  if (current === null || current.taskId !== taskId) return;
  current.controller ??= new AbortController();
  current.controller.abort(reason);
}
