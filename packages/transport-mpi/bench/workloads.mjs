// The benchmark workloads, the same as bench/src/measure.ts and bench/python/mpi4py_futures_bench.py:
// throughput = no-op tasks (one per message) with `inFlight` outstanding; bandwidth = echo a
// Uint8Array of `size` with 2 x workers in flight, MB/s = 2 * size * tasks / s (1 MB = 10^6 B).
import { PoolExecutor, task } from '@futures/core';

const TASKS = new URL('./tasks.mjs', import.meta.url);
const noop = task(TASKS, 'noop');
const echo = task(TASKS, 'echo');

export async function pipelined(count, inFlight, launch) {
  let launched = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (launched < count) {
        launched++;
        await launch();
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fill(size) {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) b[i] = i & 0xff;
  b[size - 1] = 0x5a;
  return b;
}

/** Runs both workloads on a fresh executor with `transport`; returns result rows. */
export async function runWorkloads({
  peer,
  transport,
  workers,
  tasks,
  inFlight,
  sizes,
  reps,
  bandwidthBytes,
  maxEchoTasks,
  log,
}) {
  const pool = new PoolExecutor({ transport, maxWorkers: workers });
  await pool.bootup();
  const n = pool.numWorkers;
  await Promise.all(Array.from({ length: n * 4 }, () => pool.submit(noop)));
  const rows = [];
  await pipelined(Math.min(2000, tasks), inFlight, () => pool.submit(noop));
  const tr = [];
  for (let i = 0; i < reps; i++) tr.push(tasks / (await pipelined(tasks, inFlight, () => pool.submit(noop))));
  rows.push({ peer, workload: 'throughput', workers: n, tasks, inFlight, value: median(tr), reps: tr });
  log(`${peer} w=${n} throughput ${Math.round(median(tr))} tasks/s`);
  for (const size of sizes) {
    const payload = fill(size);
    const count = Math.max(8, Math.min(maxEchoTasks, Math.round(bandwidthBytes / size)));
    const lanes = Math.max(2, 2 * n);
    const once = async () => {
      const out = await pool.submit(echo, payload);
      if (out.byteLength !== size || out[size - 1] !== 0x5a) throw new Error('echo returned a wrong payload');
    };
    await pipelined(Math.max(2 * lanes, Math.min(count >> 1, 200)), lanes, once);
    const bw = [];
    for (let i = 0; i < reps; i++) bw.push((2 * size * count) / (await pipelined(count, lanes, once)) / 1e6);
    rows.push({
      peer,
      workload: 'bandwidth',
      workers: n,
      size,
      tasks: count,
      inFlight: lanes,
      value: median(bw),
      reps: bw,
    });
    log(`${peer} w=${n} echo ${size} ${Math.round(median(bw))} MB/s`);
  }
  await pool.shutdown();
  return rows;
}
