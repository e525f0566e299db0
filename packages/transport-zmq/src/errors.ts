import { FuturesError } from '@futures/core/transport';

/** A worker's connection ended (it left, its process exited, or its link was lost). */
export class ZmqWorkerLostError extends FuturesError {
  override readonly name = 'ZmqWorkerLostError';
  readonly code = 'ERR_FUTURES_ZMQ_WORKER_LOST';
}
