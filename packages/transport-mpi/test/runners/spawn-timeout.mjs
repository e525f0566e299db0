// An executor whose spawned workers never reach MPI_Init (they block in a preloaded
// module): its futures must fail with the spawn timeout, a second executor must fail at
// once, and the program must end by itself. Prints one JSON line.
import { PoolExecutor } from '@futures/core';
import { mpi } from '../../dist/index.js';

const stall = new URL('../fixtures/stall-before-mpi.cjs', import.meta.url).pathname;
const start = Date.now();
const describe = (e) => ({ name: e?.name, code: e?.code, cause: e?.cause?.name, message: e?.message });
const pool = new PoolExecutor({
  transport: mpi({ mpiMode: 'spawn', spawnTimeout: 3000 }),
  maxWorkers: 2,
  execArgv: ['--require', stall],
});
const first = await pool.submit((x) => x + 1, 1).then(() => null, describe);
const ms = Date.now() - start;
await pool.shutdown();
const next = new PoolExecutor({ transport: mpi({ mpiMode: 'spawn' }), maxWorkers: 1 });
const second = await next.submit((x) => x + 1, 1).then(() => null, describe);
await next.shutdown();
console.log(JSON.stringify({ first, second, ms }));
