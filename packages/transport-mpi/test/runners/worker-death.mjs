// A worker that dies by itself: a task calls process.exit(3) ("exit"), or throws from a
// timer ("throw"). Prints how long until the pending future failed, and its error.
//   node test/runners/worker-death.mjs exit|throw                 spawn mode
//   mpiexec -n 3 node dist/run.js test/runners/worker-death.mjs exit|throw   static mode
import { PoolExecutor, task } from '@futures/core';
import { reportDeath } from './death-report.mjs';

const how = process.argv[2];
const T = new URL('../fixtures/tasks.mjs', import.meta.url);
const pool = new PoolExecutor({ transport: 'mpi', maxWorkers: 2 });
await pool.bootup();
const hang = pool.submit(task(T, 'hang'));
const t0 = performance.now();
const dying =
  how === 'exit'
    ? pool.submit(task(T, 'exitWith'), 3)
    : pool.submit(task(T, 'throwLater'), 'boom in a timer');
await reportDeath(t0, dying, hang);
await pool.shutdown();
