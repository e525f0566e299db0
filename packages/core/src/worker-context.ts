import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whether this thread or process is a futures worker, and which task module it is
 * importing. Kept on globalThis under a registered symbol: the worker runtime and the
 * user's modules may load different copies of this package.
 */
interface WorkerContext {
  isWorker: boolean;
  /** Set (to the module's URL) while the worker runtime imports a task module. */
  readonly importing: AsyncLocalStorage<string>;
}

const KEY = Symbol.for('@futures/core/worker-context');

function context(): WorkerContext {
  const g = globalThis as { [KEY]?: WorkerContext };
  g[KEY] ??= { isWorker: false, importing: new AsyncLocalStorage<string>() };
  return g[KEY];
}

/**
 * True in a futures worker (a thread of the shm transport, a zmq or MPI worker process),
 * false in the main program. A module that holds both tasks and the program guards the
 * program with it, since every worker that imports the module for a task runs its top
 * level again:
 *
 * ```ts
 * if (!isWorker()) {
 *   const pool = new PoolExecutor();
 *   // ...
 * }
 * ```
 */
export function isWorker(): boolean {
  return context().isWorker;
}

/** Worker runtime: this thread or process serves tasks from now on. */
export function markWorker(): void {
  context().isWorker = true;
}

/** Worker runtime: runs `load` (a task module's import) with `module` as the module being imported. */
export function whileImporting<T>(module: string, load: () => T): T {
  return context().importing.run(module, load);
}

/** The task module whose import (top level, including after a top-level await) is running now, if any. */
export function importingTaskModule(): string | undefined {
  return context().importing.getStore();
}
