import type { TransportFactory, TransportProvider } from '@futures/core/transport';
import { resolveShmOptions, SHM_OPTION_SPECS, type ShmOptions } from './options.js';
import { ShmTransport } from './transport.js';

/**
 * The shm transport as a factory for `new PoolExecutor({ transport: shm({ ... }) })`.
 * Workers are worker threads of this process linked by SharedArrayBuffer rings.
 * Throws TypeError/RangeError naming the option when an option is invalid.
 */
export function shm(options: ShmOptions = {}): TransportFactory {
  const resolved = resolveShmOptions(options);
  return {
    name: 'shm',
    create: (ctx) => new ShmTransport(ctx, resolved),
  };
}

/** What core loads for `transport: "shm"` (the default). */
export const futuresTransport: TransportProvider = {
  name: 'shm',
  optionSpecs: SHM_OPTION_SPECS,
  factory: (options) => shm(options as ShmOptions),
};
