import { PoolExecutor } from '@futures/core';
import { runConformanceSuite } from '@futures/core/conformance';
import { zmq } from '../src/index.js';

// The whole core contract over real ZeroMQ sockets (CURVE on, as by default), with local
// worker processes started by the transport itself.
runConformanceSuite({
  name: 'zmq',
  createExecutor: (options) =>
    new PoolExecutor({ ...options, transport: zmq({ heartbeatInterval: 200, heartbeatTimeout: 1000 }) }),
  capabilities: { chdir: true },
});
