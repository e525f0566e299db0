import { Piscina } from 'piscina';
import { type Peer, type PeerPool, packageVersion, type Warmup, WORKERS_DIR, warm } from '../peer.js';

const version = packageVersion('piscina');
const filename = new URL('piscina-worker.js', WORKERS_DIR).href;

async function start(workers: number, move: boolean, warmup: Warmup = 'noop'): Promise<PeerPool> {
  const pool = new Piscina({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 2 ** 31 - 1 });
  const spin = (ms: number) => pool.run(ms, { name: 'spin' }) as Promise<number>;
  await warm(workers, warmup, () => pool.run(null, { name: 'noop' }), spin);
  return {
    noop: () => pool.run(null, { name: 'noop' }),
    echo: move
      ? (payload) => pool.run(Piscina.move(payload), { name: 'echoMove' }) as Promise<Uint8Array>
      : (payload) => pool.run(payload, { name: 'echo' }) as Promise<Uint8Array>,
    spin, // piscina has no map: the balance row is a burst of run() calls
    close: () => pool.destroy(),
  };
}

export const peers: Peer[] = [
  {
    name: 'piscina',
    version,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth', 'balance'],
    balanceStyles: ['run'],
    start: (w, warmup) => start(w, false, warmup),
  },
  {
    name: 'piscina (move)',
    version,
    semantics: 'transfer',
    workloads: ['bandwidth'],
    start: (w) => start(w, true),
  },
];
