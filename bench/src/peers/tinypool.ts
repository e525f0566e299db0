import { Tinypool } from 'tinypool';
import { type Peer, type PeerPool, packageVersion, type Warmup, WORKERS_DIR, warm } from '../peer.js';

const version = packageVersion('tinypool');
const filename = new URL('tinypool-worker.js', WORKERS_DIR).href;

async function start(workers: number, warmup: Warmup = 'noop'): Promise<PeerPool> {
  const pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 2 ** 31 - 1 });
  const spin = (ms: number) => pool.run(ms, { name: 'spin' }) as Promise<number>;
  await warm(workers, warmup, () => pool.run(null, { name: 'noop' }), spin);
  return {
    noop: () => pool.run(null, { name: 'noop' }),
    echo: (payload) => pool.run(payload, { name: 'echo' }) as Promise<Uint8Array>,
    spin, // tinypool has no map: the balance row is a burst of run() calls
    close: () => pool.destroy(),
  };
}

export const peers: Peer[] = [
  {
    name: 'tinypool',
    version,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth', 'balance'],
    balanceStyles: ['run'],
    start,
  },
];
