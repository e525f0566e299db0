/**
 * Memory per queued task: submits N tiny tasks at once (`pool.submit(noop, i)`, the futures
 * kept in an array) and reports the heap they hold while queued: (heapUsed after − before) / N,
 * both read right after a full GC, before the first dispatch (the submits and both readings
 * run in one synchronous stretch, so no task has left the queue). The array of futures
 * itself (8 bytes a slot) is allocated before the first reading and not counted.
 *
 *   node --expose-gc dist/queued.js [--tasks=N] [--reps=N] [--run]
 *
 * --run lets the tasks run afterwards and reports how long they took (else they are cancelled).
 */
import { PoolExecutor, task } from '@futures/core';

const TASKS = new URL('../workers/futures-tasks.js', import.meta.url);
const noop = task<(i: number) => number>(TASKS, 'noop');

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc (pnpm --filter @futures/bench bench:queued)');
  process.exit(2);
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

async function once(n: number, run: boolean): Promise<{ bytesPerTask: number; runMs: number | null }> {
  const pool = new PoolExecutor({ maxWorkers: 2, transport: 'shm' });
  await pool.bootup();
  await pool.submit(noop, 0); // every lazily built structure exists before the baseline
  const futures = new Array<unknown>(n).fill(null);
  const before = heapAfterGc();
  for (let i = 0; i < n; i++) futures[i] = pool.submit(noop, i);
  const after = heapAfterGc();
  const bytesPerTask = (after - before) / n;
  let runMs: number | null = null;
  if (run) {
    const t0 = performance.now();
    await Promise.all(futures as Promise<number>[]);
    runMs = performance.now() - t0;
    await pool.shutdown();
  } else {
    await pool.shutdown({ cancelFutures: true });
  }
  return { bytesPerTask, runMs };
}

const n = arg('tasks', 1_000_000);
const reps = arg('reps', 3);
const run = process.argv.includes('--run');
const results: number[] = [];
for (let r = 0; r < reps; r++) {
  const { bytesPerTask, runMs } = await once(n, run);
  results.push(bytesPerTask);
  const ran = runMs === null ? '' : `, ran in ${(runMs / 1000).toFixed(2)} s`;
  console.log(`rep ${r + 1}: ${bytesPerTask.toFixed(1)} bytes per queued task (${n} tasks${ran})`);
}
results.sort((a, b) => a - b);
console.log(`median: ${results[Math.floor(results.length / 2)]!.toFixed(1)} bytes per queued task`);
