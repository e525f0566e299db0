import { PoolExecutor } from '@futures/core';
import { runConformanceSuite } from '@futures/core/conformance';
import { shm } from '../src/index.js';

// The whole executor contract, on real worker threads and SharedArrayBuffer rings. A small
// ring makes every big-payload test stream through it in pieces.
runConformanceSuite({
  name: 'shm',
  createExecutor: (options) => new PoolExecutor({ ...options, transport: shm() }),
  capabilities: { chdir: false },
});

runConformanceSuite({
  name: 'shm (4 KiB rings, every buffer through the ring)',
  createExecutor: (options) =>
    new PoolExecutor({ ...options, transport: shm({ ringBytes: 4096, largeResultBytes: 2 ** 40 }) }),
  capabilities: { chdir: false },
});
