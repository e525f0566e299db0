// @futures/transport-zmq: workers on many machines over ZeroMQ. This file only re-exports.
import type { PoolExecutorOptions } from '@futures/core';
import type { ZmqOptions } from './options.js';

export { infoLines, keygenCommand, workerCommand } from './cli.js';
export { ZmqWorkerLostError } from './errors.js';
export {
  deriveKeys,
  KeyError,
  keyFileText,
  keygen,
  loadSecret,
  parseKey,
  readKeyFile,
  writeKeyFile,
} from './keys.js';
export { type ResolvedZmqOptions, resolveZmqOptions, ZMQ_OPTION_SPECS, type ZmqOptions } from './options.js';
export { futuresTransport, zmq } from './provider.js';
export { ZmqTransport } from './transport.js';
export { runWorker, WorkerExit, type WorkerRunOptions } from './worker.js';

// `new PoolExecutor({ transport: 'zmq', keyFile, ... })` type-checks with this package installed.
declare module '@futures/core' {
  interface PoolExecutorOptions extends ZmqOptions {}
}
/** PoolExecutor options with this transport's options merged in. */
export type ZmqPoolExecutorOptions = PoolExecutorOptions;
