import { PoolExecutor, task } from '@futures/core';
import { transfer } from '@futures/transport-shm';
import { type Peer, type PeerPool, packageVersion, type Warmup, WORKERS_DIR, warm } from '../peer.js';

const version = packageVersion('@futures/transport-shm');

const TASKS = new URL('futures-tasks.js', WORKERS_DIR);
const noop = task<() => number>(TASKS, 'noop');
const echo = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echo');
const echoTransfer = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echoTransfer');
const spin = task<(ms: number) => number>(TASKS, 'spin');

async function start(workers: number, move: boolean, warmup: Warmup = 'noop'): Promise<PeerPool> {
  // By name, so FUTURES_* settings (e.g. FUTURES_SHM_RING_BYTES) apply to the row.
  const pool = new PoolExecutor({ transport: 'shm', maxWorkers: workers });
  await pool.bootup();
  await warm(
    workers,
    warmup,
    () => pool.submit(noop),
    (ms) => pool.submit(spin, ms),
  );
  return {
    noop: () => pool.submit(noop),
    echo: move
      ? (payload) => pool.submit(echoTransfer, transfer(payload))
      : (payload) => pool.submit(echo, payload),
    spin: (ms) => pool.submit(spin, ms),
    mapSpin: (durations) => pool.map(spin, durations),
    close: () => pool.shutdown(),
  };
}

export const peers: Peer[] = [
  {
    name: 'futures-shm',
    version,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth', 'balance'],
    start: (workers, warmup) => start(workers, false, warmup),
  },
  {
    name: 'futures-shm (transfer)',
    version,
    semantics: 'transfer',
    workloads: ['bandwidth'],
    start: (workers) => start(workers, true),
  },
];
