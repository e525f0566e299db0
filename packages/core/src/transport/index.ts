// The contract transport packages implement (`@futures/core/transport`).
export type {
  OptionSpec,
  Transport,
  TransportContext,
  TransportFactory,
  TransportHandler,
  TransportProvider,
  WorkerEndpoint,
} from './contract.js';
export type { Frame } from './frame.js';
export { validateOptions } from '../config/options.js';
