/**
 * @module @futures/core/transport
 */
// The contract transport packages implement (`@futures/core/transport`).

export { type ConfigFile, findConfigFile } from '../config/config-file.js';
export { loadTransportProvider } from '../config/load-transport.js';
export { type Sourced, validateOptions } from '../config/options.js';
export { type ResolvedConfig, resolveConfig } from '../config/resolve.js';
export type {
  OptionSpec,
  Transport,
  TransportCliHooks,
  TransportContext,
  TransportFactory,
  TransportHandler,
  TransportProvider,
  WorkerEndpoint,
} from './contract.js';
export type { Frame } from './frame.js';
