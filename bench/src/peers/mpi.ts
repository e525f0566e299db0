import { PoolExecutor, task } from '@futures/core';
import { loadTransportProvider } from '@futures/core/transport';
import { type Peer, type PeerPool, type Warmup, WORKERS_DIR, warm } from '../peer.js';

/**
 * futures over MPI (@futures/transport-mpi) in spawn mode: this process is an MPI singleton
 * and the pool spawns its workers with MPI_Comm_spawn. The static-mode rows, mpi4py.futures
 * and the raw MPI ping-pong limit need an `mpiexec` job of their own: they come from
 * packages/transport-mpi/bench/run.mjs (see docs/transport-mpi.md).
 */

const TASKS = new URL('futures-tasks.js', WORKERS_DIR);
const noop = task<() => number>(TASKS, 'noop');
const echo = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echo');
const spin = task<(ms: number) => number>(TASKS, 'spin');

let version = '@futures/transport-mpi ?';

async function unavailable(): Promise<string | null> {
  try {
    const provider = await loadTransportProvider('mpi', 'the bench');
    const info = await provider.cli?.info?.();
    if (info !== undefined && !info.ok) return info.lines.join('; ');
    version = `@futures/transport-mpi (${info?.lines[0] ?? 'MPI'})`;
    return null;
  } catch (error) {
    return `${(error as Error).message.split('. Fix')[0]} (add "@futures/transport-mpi": "workspace:*" to bench/package.json)`;
  }
}

async function start(workers: number, warmup: Warmup = 'noop'): Promise<PeerPool> {
  // By name, so FUTURES_* settings (e.g. FUTURES_MPI_BACKOFF) apply to the row.
  const pool = new PoolExecutor({ transport: 'mpi', maxWorkers: workers });
  await pool.bootup();
  await warm(
    workers,
    warmup,
    () => pool.submit(noop),
    (ms) => pool.submit(spin, ms),
  );
  return {
    noop: () => pool.submit(noop),
    echo: (payload) => pool.submit(echo, payload),
    spin: (ms) => pool.submit(spin, ms),
    mapSpin: (durations) => pool.map(spin, durations),
    close: () => pool.shutdown(),
  };
}

export const peers: Peer[] = [
  {
    name: 'futures-mpi (spawn)',
    get version() {
      return version;
    },
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth', 'balance'],
    unavailable,
    start,
  },
];
