// Idle CPU of a controller with a warm pool of 2 workers and nothing to do, over 5 s:
// the controller process (all its threads) and each worker, in % of one core.
// Run as a singleton (spawn mode) or under mpiexec -n 3 node ../dist/run.js idle-cpu.mjs.
import * as fs from 'node:fs';
import { PoolExecutor, task } from '@futures/core';

const seconds = Number(process.argv[2] ?? 5);
const pid = task(new URL('./tasks.mjs', import.meta.url), 'pid');
const pool = new PoolExecutor({ transport: 'mpi', maxWorkers: 2 });
await pool.bootup();
const pids = [...new Set(await Promise.all([0, 1, 2, 3, 4, 5].map(() => pool.submit(pid))))];
await new Promise((r) => setTimeout(r, 500)); // past the spin after the last message

function cpu(p) {
  try {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN; // another host
  }
}
const before = [process.pid, ...pids].map(cpu);
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const wall = (performance.now() - t0) / 1000;
const after = [process.pid, ...pids].map(cpu);
const pct = after.map((a, i) => (100 * (a - before[i])) / wall);
console.log(JSON.stringify({ seconds: wall, controllerPct: pct[0], workerPct: pct.slice(1) }));
await pool.shutdown();
