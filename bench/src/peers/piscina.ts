import { Piscina } from 'piscina';
import { type Peer, type PeerPool, packageVersion, WORKERS_DIR } from '../peer.js';

const version = packageVersion('piscina');
const filename = new URL('piscina-worker.js', WORKERS_DIR).href;

async function start(workers: number, move: boolean): Promise<PeerPool> {
  const pool = new Piscina({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 2 ** 31 - 1 });
  await Promise.all(Array.from({ length: workers * 4 }, () => pool.run(null, { name: 'noop' })));
  return {
    noop: () => pool.run(null, { name: 'noop' }),
    echo: move
      ? (payload) => pool.run(Piscina.move(payload), { name: 'echoMove' }) as Promise<Uint8Array>
      : (payload) => pool.run(payload, { name: 'echo' }) as Promise<Uint8Array>,
    close: () => pool.destroy(),
  };
}

export const peers: Peer[] = [
  {
    name: 'piscina',
    version,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth'],
    start: (w) => start(w, false),
  },
  {
    name: 'piscina (move)',
    version,
    semantics: 'transfer',
    workloads: ['bandwidth'],
    start: (w) => start(w, true),
  },
];
