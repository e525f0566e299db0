/**
 * Error classes of @futures/core. Each has a stable `name` and `code`, so callers
 * can branch on `err instanceof X` or `err.code` and never on message text.
 */

export interface FuturesErrorOptions {
  cause?: unknown;
}

/** Base of every error this library creates itself (not of task errors). */
export abstract class FuturesError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: FuturesErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** The future was cancelled before it ran (`future.cancel()`, `shutdown({ cancelFutures })`, a map that was left early). */
export class CancelledError extends FuturesError {
  override readonly name = 'CancelledError';
  readonly code = 'ERR_FUTURE_CANCELLED';
  constructor(message = 'the future was cancelled', options?: FuturesErrorOptions) {
    super(message, options);
  }
}

/** A deadline passed: `result(timeoutMs)`, `wait`, `asCompleted` or a `map` timeout. */
export class TimeoutError extends FuturesError {
  override readonly name = 'TimeoutError';
  readonly code = 'ERR_FUTURE_TIMEOUT';
  constructor(message = 'the operation timed out', options?: FuturesErrorOptions) {
    super(message, options);
  }
}

/**
 * The executor can no longer run tasks: its initializer failed, its transport could not
 * start, or (MPI) a worker rank died. Every pending future and every later submit gets it.
 */
export class BrokenExecutorError extends FuturesError {
  override readonly name = 'BrokenExecutorError';
  readonly code = 'ERR_EXECUTOR_BROKEN';
}

/**
 * A running task was aborted through its AbortSignal (`withOptions(fn, { signal })` or a
 * map's `signal`). `cause` is the abort reason. (A task past its deadline gets TimeoutError.)
 */
export class AbortError extends FuturesError {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'the task was aborted', options?: FuturesErrorOptions) {
    super(message, options);
  }
}

/** `submit`/`map` after `shutdown()` was called. */
export class ExecutorShutdownError extends FuturesError {
  override readonly name = 'ExecutorShutdownError';
  readonly code = 'ERR_EXECUTOR_SHUTDOWN';
  constructor(message = 'cannot schedule new futures after shutdown()', options?: FuturesErrorOptions) {
    super(message, options);
  }
}

/**
 * The worker running a task died (exit, crash, out of memory, lost connection) and the
 * task had no retries left. The executor itself keeps working when the transport can
 * replace workers.
 */
export class WorkerLostError extends FuturesError {
  override readonly name = 'WorkerLostError';
  readonly code = 'ERR_WORKER_LOST';
  constructor(
    message: string,
    readonly workerId: number,
    options?: FuturesErrorOptions,
  ) {
    super(message, options);
  }
}

/** A value could not be encoded for the wire (a function, a class instance with private state, ...). */
export class SerializationError extends FuturesError {
  override readonly name = 'SerializationError';
  readonly code = 'ERR_FUTURES_SERIALIZATION';
}

/**
 * A task's encoded arguments (controller side) or its encoded result or error (worker side)
 * are larger than one message may carry: the `maxMessageBytes` option, or the transport's
 * own ceiling when that is lower. Only that task's future fails; its worker runs on. The
 * message names the task, the size, the limit and the fix.
 */
export class MessageTooLargeError extends FuturesError {
  override readonly name = 'MessageTooLargeError';
  readonly code = 'ERR_FUTURES_MESSAGE_TOO_LARGE';
  /**
   * `instanceof` holds for one made by any copy of this package (a worker runtime may load
   * another copy than the application's): it is the class's code that counts.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && (value as { code?: unknown }).code === 'ERR_FUTURES_MESSAGE_TOO_LARGE';
  }
  constructor(
    message: string,
    /** Encoded size of the arguments or result, in bytes. */
    readonly bytes: number,
    /** The limit it exceeded, in bytes. */
    readonly limit: number,
    /** `arguments` (not sent) or `result` (computed, not sent back). */
    readonly part: 'arguments' | 'result',
    /** The task's function (export name or function name). */
    readonly fn: string,
    /** The task id of the call (the scheduler's, as in progress reports). */
    readonly taskId: number,
    options?: FuturesErrorOptions,
  ) {
    super(message, options);
  }
}

/** A task could not be found or loaded in the worker (missing module, missing export, not a function). */
export class TaskLoadError extends FuturesError {
  override readonly name: string = 'TaskLoadError';
  readonly code: string = 'ERR_TASK_LOAD';
}

/**
 * A TypeScript module (a `.ts` task module, or a TypeScript program under `futures run`) must
 * be loaded, and tsx, which futures loads TypeScript with, cannot be found from the
 * application. tsx is an optional peer dependency: install it in the application
 * (`npm install tsx` / `pnpm add tsx`), or compile the module to JavaScript.
 */
export class TsxNotFoundError extends TaskLoadError {
  override readonly name = 'TsxNotFoundError';
  override readonly code = 'ERR_FUTURES_TSX_NOT_FOUND';
  /** The package to install. */
  readonly package = 'tsx';
  constructor(
    /** The TypeScript module (file, URL or description) that needed tsx. */
    readonly module: string,
    /** The directories tsx was looked up from. */
    readonly searched: readonly string[],
    options?: FuturesErrorOptions,
  ) {
    super(
      `futures: ${module} is TypeScript, and tsx, which futures loads TypeScript modules with, cannot be ` +
        `found from the application (looked from ${searched.join(', ')}). Fix: add tsx to the application ` +
        '(npm install tsx, or pnpm add tsx), or compile the module to JavaScript.',
      options,
    );
  }
}

/**
 * A PoolExecutor was created while a worker imported a task module: the module's top level
 * runs again in every worker that loads a task from it, so each would start its own pool.
 */
export class PoolInTaskModuleError extends FuturesError {
  override readonly name = 'PoolInTaskModuleError';
  readonly code = 'ERR_POOL_IN_TASK_MODULE';
  constructor(readonly module: string) {
    super(
      `futures: a PoolExecutor was created at the top level of ${module} while a worker imported ` +
        "it for a task. Every worker runs a task module's top level again, so each would start its " +
        'own pool, without end. Fix: put the tasks in a module of their own and pass that to task(), ' +
        'or create the pool only in the main program: `if (!isWorker()) { const pool = new PoolExecutor(); ... }` ' +
        "(isWorker from '@futures/core').",
    );
  }
}

/** A transport could not be resolved or loaded from configuration. */
export class TransportLoadError extends FuturesError {
  override readonly name = 'TransportLoadError';
  readonly code = 'ERR_TRANSPORT_LOAD';
}

/**
 * The dashboard was asked for (the `dashboard` option, FUTURES_DASHBOARD or the config file)
 * but the @futures/dashboard package is not installed (code ERR_FUTURES_DASHBOARD_NOT_INSTALLED)
 * or failed to load or start (ERR_FUTURES_DASHBOARD).
 */
export class DashboardError extends FuturesError {
  override readonly name = 'DashboardError';
  readonly code: 'ERR_FUTURES_DASHBOARD_NOT_INSTALLED' | 'ERR_FUTURES_DASHBOARD';

  constructor(
    message: string,
    code: 'ERR_FUTURES_DASHBOARD_NOT_INSTALLED' | 'ERR_FUTURES_DASHBOARD',
    options?: FuturesErrorOptions,
  ) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Where a task's error happened. It is the `remote` property of the error a caller
 * receives (whose own `cause` stays the task's); its `stack` is the worker's stack text,
 * headed with the worker id, host and pid (like mpi4py's "RemoteTraceback").
 */
export class RemoteError extends FuturesError {
  override readonly name = 'RemoteError';
  readonly code = 'ERR_REMOTE_TASK';
  constructor(
    message: string,
    readonly workerId: number,
    readonly host: string,
    readonly pid: number,
    remoteStack: string,
    options?: FuturesErrorOptions,
  ) {
    super(message, options);
    this.stack = `${message}\n${remoteStack}`;
  }
}

/** Options errors: a TypeError/RangeError whose message names the option, its source and the fix. */
export function optionTypeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_FUTURES_INVALID_OPTION' });
}

export function optionRangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_FUTURES_INVALID_OPTION' });
}
