// @futures/transport-zmq: workers on many machines over ZeroMQ. This file only re-exports.
import type { ZmqExecutorOptions } from '@futures/core';

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

/** @deprecated PoolExecutor options with the zmq transport: use ZmqExecutorOptions from @futures/core. */
export type ZmqPoolExecutorOptions = ZmqExecutorOptions;
