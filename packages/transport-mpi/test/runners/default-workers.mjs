// A spawn-mode executor with no maxWorkers: prints how many workers it got.
//   node test/runners/default-workers.mjs                        a singleton
//   mpiexec -n 1 --hostfile F node test/runners/default-workers.mjs   a universe of F's slots
import { PoolExecutor } from '@futures/core';

const pool = new PoolExecutor({ transport: 'mpi' });
await pool.bootup();
const pids = new Set(await Promise.all(Array.from({ length: 16 }, () => pool.submit(() => process.pid))));
console.log(
  JSON.stringify({ numWorkers: pool.numWorkers, stats: pool.stats().workers.length, pids: pids.size }),
);
await pool.shutdown();
