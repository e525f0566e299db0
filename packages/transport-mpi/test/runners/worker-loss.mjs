// A controller whose worker rank gets killed while it holds a task.
//   node test/runners/worker-loss.mjs                    spawn mode (a singleton)
//   mpiexec -n 3 node dist/run.js test/runners/worker-loss.mjs   static mode
// Prints {"phase":"killed",...} before the kill, then the error the pending future got.
import { PoolExecutor, task } from '@futures/core';

const T = new URL('../fixtures/tasks.mjs', import.meta.url);
const pid = task(T, 'pid');
const hang = task(T, 'hang');

const pool = new PoolExecutor({ transport: 'mpi', maxWorkers: 2 });
await pool.bootup();
const pids = [...new Set(await Promise.all([0, 1, 2, 3].map(() => pool.submit(pid))))];
const held = [pool.submit(hang), pool.submit(hang)];
await new Promise((r) => setTimeout(r, 200)); // let both tasks reach their workers
console.log(JSON.stringify({ phase: 'killed', pids, victim: pids[0] }));
const t0 = performance.now();
process.kill(pids[0], 'SIGKILL');
const errors = await Promise.all(
  held.map((f) =>
    f.then(
      () => null,
      (e) => ({ name: e.name, message: e.message }),
    ),
  ),
);
const later = await pool.submit(pid).then(
  () => null,
  (e) => e.name,
);
console.log(JSON.stringify({ phase: 'settled', ms: performance.now() - t0, errors, later, pids }));
