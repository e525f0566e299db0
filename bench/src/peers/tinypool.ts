import { Tinypool } from 'tinypool';
import { type Peer, type PeerPool, packageVersion, WORKERS_DIR } from '../peer.js';

const version = packageVersion('tinypool');
const filename = new URL('tinypool-worker.js', WORKERS_DIR).href;

async function start(workers: number): Promise<PeerPool> {
  const pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, idleTimeout: 2 ** 31 - 1 });
  await Promise.all(Array.from({ length: workers * 4 }, () => pool.run(null, { name: 'noop' })));
  return {
    noop: () => pool.run(null, { name: 'noop' }),
    echo: (payload) => pool.run(payload, { name: 'echo' }) as Promise<Uint8Array>,
    close: () => pool.destroy(),
  };
}

export const peers: Peer[] = [
  { name: 'tinypool', version, semantics: 'copy', workloads: ['throughput', 'bandwidth'], start },
];
