/**
 * @module @futures/core/worker
 */
// The worker side (`@futures/core/worker`): transports' worker entries call serveWorker
// (registerTypeScript loads tsx for TypeScript task modules); task modules read their abort
// signal through currentSignal.

export { isWorker } from '../worker-context.js';
export { serveWorker, type WorkerRuntime, type WorkerRuntimeOptions } from './runtime.js';
export { currentSignal, currentWorkerId } from './task-context.js';
export {
  isTypeScriptModule,
  type RegisterTypeScriptOptions,
  registerTypeScript,
  resolveTsx,
} from './typescript.js';
