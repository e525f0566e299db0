// @futures/transport-shm: the default transport (worker threads + SharedArrayBuffer rings).
// This file only re-exports.

export { WorkerExitError } from './errors.js';
export { SHM_OPTION_SPECS, type ShmOptions } from './options.js';
export { futuresTransport, shm } from './provider.js';
export { transfer } from './transfer.js';
