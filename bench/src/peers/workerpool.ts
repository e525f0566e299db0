import { fileURLToPath } from 'node:url';
import workerpool from 'workerpool';
import { type Peer, type PeerPool, packageVersion, WORKERS_DIR } from '../peer.js';

const version = packageVersion('workerpool');
const script = fileURLToPath(new URL('workerpool-worker.cjs', WORKERS_DIR));

async function start(workers: number): Promise<PeerPool> {
  const pool = workerpool.pool(script, { minWorkers: workers, maxWorkers: workers, workerType: 'thread' });
  await Promise.all(Array.from({ length: workers * 4 }, () => pool.exec('noop', [])));
  return {
    noop: () => pool.exec('noop', []),
    echo: (payload) => pool.exec('echo', [payload]) as PromiseLike<Uint8Array>,
    close: async () => {
      await pool.terminate();
    },
  };
}

export const peers: Peer[] = [
  { name: 'workerpool', version, semantics: 'copy', workloads: ['throughput', 'bandwidth'], start },
];
