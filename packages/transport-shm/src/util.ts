/** A worker thread ended outside of shutdown: the `error` given to TransportHandler.workerLost. */
export class WorkerExitError extends Error {
  override readonly name = 'WorkerExitError';
  readonly code = 'ERR_FUTURES_SHM_WORKER_EXIT';
  /** The thread's exit code, or null when it was terminated. */
  readonly exitCode: number | null;

  constructor(message: string, exitCode: number | null, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

/** Atomics.waitAsync (ES2024; the project's lib is ES2023). Never blocks the calling thread. */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
  }
).waitAsync;
