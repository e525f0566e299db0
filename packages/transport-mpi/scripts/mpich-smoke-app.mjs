// The job mpich-check.mjs runs under MPICH: tasks, a payload over the pooled receive path,
// the workers' collectives, and the raw ping-pong, in static mode or with a comm executor.
import { PoolExecutor, task } from '@futures/core';
import { commExecutor, mpiPingPong } from '../dist/index.js';
import { loadNative } from '../dist/native.js';

const T = new URL('./mpich-smoke-tasks.mjs', import.meta.url);
const mode = process.argv[2];
const library = loadNative().libraryInfo();
const ex = mode === 'comm' ? await commExecutor({ root: 0 }) : new PoolExecutor({ transport: 'mpi' });
if (ex !== null) {
  await ex.bootup();
  const workers = ex.numWorkers;
  const sum = await ex.submit(task(T, 'add'), 20, 22);
  const payload = new Uint8Array(3 << 20).fill(7);
  const back = await ex.submit(task(T, 'echo'), payload);
  const sums = await Promise.all(Array.from({ length: workers }, () => ex.submit(task(T, 'allreduceOne'))));
  const pp = mode === 'static' ? await mpiPingPong([{ bytes: 1 << 20, iterations: 50 }]) : [];
  await ex.shutdown();
  const ok =
    sum === 42 &&
    back.length === payload.length &&
    back[back.length - 1] === 7 &&
    workers === 2 &&
    sums.every((r) => r === workers);
  console.log(
    `${library.flavor} ${mode}: sum ${sum}, echo ${back.length} B, allreduce ${sums}` +
      (pp.length > 0 ? `, ping-pong 1 MiB ${Math.round(pp[0].bandwidthMBps)} MB/s` : ''),
  );
  if (!ok) process.exit(1);
  console.log('mpich-smoke: ok');
}
