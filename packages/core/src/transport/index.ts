/**
 * @module @futures/core/transport
 */
// The contract transport packages implement (`@futures/core/transport`).

export { type ConfigFile, findConfigFile } from '../config/config-file.js';
export { loadTransportProvider } from '../config/load-transport.js';
export {
  envNameOf,
  resolveOptions,
  type Sourced,
  transportEnvNameOf,
  transportEnvSettings,
  validateOptions,
} from '../config/options.js';
export {
  CORE_OPTION_SPECS,
  chooseTransportName,
  type ResolvedConfig,
  resolveConfig,
  transportPackagesOf,
} from '../config/resolve.js';
export { FuturesError, type FuturesErrorOptions, optionRangeError, optionTypeError } from '../errors.js';
export type { TransportCliHooks, TransportCommand } from './cli-hooks.js';
export type {
  Transport,
  TransportContext,
  TransportFactory,
  TransportHandler,
  WorkerEndpoint,
} from './contract.js';
export { ARGV_DASH_C_IMPORT, inheritableExecArgv, programFromString } from './exec-argv.js';
export type { Frame } from './frame.js';
export { KeepAlive } from './keep-alive.js';
export type { OptionSpec, OptionSpecBase, TransportProvider } from './provider.js';
export { workerEntryUrl } from './worker-entry-url.js';
export { type WorkerLaunch, workerLaunch } from './worker-launch.js';
export { runWorkerMain } from './worker-main.js';
