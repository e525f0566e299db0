// A controller that ends in one of several ways while its workers are alive:
//   idle   the program ends without shutdown()      throw  an uncaught exception, tasks running
//   exit   process.exit() with tasks running        busy   process.exit() while a worker spins
//   sigint waits for SIGINT (Ctrl-C) with tasks running
// Prints {"pids": [...]} once the workers are up.
import { PoolExecutor, task } from '@futures/core';

const how = process.argv[2];
const T = new URL('../fixtures/tasks.mjs', import.meta.url);
const pid = task(T, 'pid');
const hang = task(T, 'hang');
const busy = task(T, 'busy');

const pool = new PoolExecutor({ transport: 'mpi', maxWorkers: 2 });
await pool.bootup();
const pids = [...new Set(await Promise.all([0, 1, 2, 3].map(() => pool.submit(pid))))];
console.log(JSON.stringify({ pids }));
switch (how) {
  case 'idle':
    break;
  case 'throw':
    pool.submit(hang);
    setTimeout(() => {
      throw new Error('the program failed');
    }, 100);
    break;
  case 'exit':
    pool.submit(hang);
    setTimeout(() => process.exit(3), 100);
    break;
  case 'busy':
    pool.submit(busy, 120_000);
    setTimeout(() => process.exit(4), 300);
    break;
  case 'sigint':
    pool.submit(hang);
    setInterval(() => {}, 1000); // alive until the signal
    console.log('READY');
    break;
}
