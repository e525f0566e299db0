import { FuturesError } from '@futures/core/transport';

/** A worker thread ended outside of shutdown: the `error` given to TransportHandler.workerLost. */
export class WorkerExitError extends FuturesError {
  override readonly name = 'WorkerExitError';
  readonly code = 'ERR_FUTURES_SHM_WORKER_EXIT';
  /** The thread's exit code, or null when it was terminated. */
  readonly exitCode: number | null;

  constructor(message: string, exitCode: number | null, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
