import type { TransportContext, TransportFactory, TransportProvider } from '@futures/core/transport';
import { cliHooks } from './cli.js';
import { resolveZmqOptions, ZMQ_OPTION_SPECS, type ZmqOptions } from './options.js';
import { ZmqTransport } from './transport.js';

/**
 * The ZeroMQ transport as a factory: `new PoolExecutor({ transport: zmq({ localWorkers: 0,
 * bind: 'tcp://0.0.0.0:5555', keyFile: 'futures.key' }) })`. Options are validated here, at the call.
 */
export function zmq(options: ZmqOptions = {}): TransportFactory {
  const resolved = resolveZmqOptions(options as Record<string, unknown>);
  return {
    name: 'zmq',
    create(ctx: TransportContext): ZmqTransport {
      return new ZmqTransport(ctx, resolved);
    },
  };
}

/** What core loads for `transport: 'zmq'` / FUTURES_TRANSPORT=zmq. */
export const futuresTransport: TransportProvider = {
  name: 'zmq',
  optionSpecs: ZMQ_OPTION_SPECS,
  factory: (options) => zmq(options as ZmqOptions),
  cli: cliHooks,
};
