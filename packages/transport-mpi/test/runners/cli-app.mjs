// A program for `futures run`: it does not name a transport (FUTURES_TRANSPORT does).
import { PoolExecutor, task } from '@futures/core';

const T = new URL('../fixtures/tasks.mjs', import.meta.url);
const pool = new PoolExecutor();
await pool.bootup();
const pids = [...new Set(await Promise.all(Array.from({ length: 8 }, () => pool.submit(task(T, 'pid')))))];
const collectives = await Promise.all(
  Array.from({ length: pool.numWorkers }, () => pool.submit(task(T, 'collectives'))),
);
console.log(
  JSON.stringify({
    transport: pool.transportName,
    workers: pool.numWorkers,
    pids,
    me: process.pid,
    sizes: collectives.map((c) => c.size),
  }),
);
await pool.shutdown();
