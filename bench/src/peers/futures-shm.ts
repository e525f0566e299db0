import { PoolExecutor, task } from '@futures/core';
import { transfer } from '@futures/transport-shm';
import { type Peer, type PeerPool, packageVersion, WORKERS_DIR } from '../peer.js';

const version = packageVersion('@futures/transport-shm');

const TASKS = new URL('futures-tasks.js', WORKERS_DIR);
const noop = task<() => number>(TASKS, 'noop');
const echo = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echo');
const echoTransfer = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echoTransfer');

async function start(workers: number, move: boolean): Promise<PeerPool> {
  // By name, so FUTURES_* settings (e.g. FUTURES_RING_BYTES) apply to the row.
  const pool = new PoolExecutor({ transport: 'shm', maxWorkers: workers });
  await pool.bootup();
  await Promise.all(Array.from({ length: workers * 4 }, () => pool.submit(noop)));
  return {
    noop: () => pool.submit(noop),
    echo: move
      ? (payload) => pool.submit(echoTransfer, transfer(payload))
      : (payload) => pool.submit(echo, payload),
    close: () => pool.shutdown(),
  };
}

export const peers: Peer[] = [
  {
    name: 'futures-shm',
    version,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth'],
    start: (workers) => start(workers, false),
  },
  {
    name: 'futures-shm (transfer)',
    version,
    semantics: 'transfer',
    workloads: ['bandwidth'],
    start: (workers) => start(workers, true),
  },
];
