// Rank 0's program for the runs across network namespaces (static mode, ranks 1-2 on host B).
//   app.mjs where <MiB>   tasks report where they ran; one large echo crosses the link
//   app.mjs hold [MS]     both workers hold tasks; prints {"phase":"held"}, then how every
//                         future settled after the test cut the link or killed a rank; with MS,
//                         the program goes on for MS more (as one that outlives a broken
//                         executor), then prints {"phase":"lived"}
// One JSON line per event on stdout, with `t` (Date.now()).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PoolExecutor, task } from '@futures/core';

const T = new URL('./tasks.mjs', import.meta.url);
const where = task(T, 'where');
const echo = task(T, 'echo');
const hang = task(T, 'hang');
const say = (o) => console.log(JSON.stringify({ ...o, t: Date.now() }));

const [mode, arg] = process.argv.slice(2);
const pool = new PoolExecutor({ transport: 'mpi' });
await pool.bootup();
const me = { host: os.hostname(), netns: fs.readlinkSync('/proc/self/ns/net'), pid: process.pid };
const placed = await Promise.all(Array.from({ length: 8 }, () => pool.submit(where)));
say({ phase: 'placed', me, placed });

if (mode === 'where') {
  const n = Number(arg ?? 32) * 1024 * 1024;
  const big = new Uint8Array(n);
  for (let i = 0; i < n; i += 4096) big[i] = (i / 4096) & 0xff;
  big[n - 1] = 0x5a;
  const t0 = performance.now();
  const back = await pool.submit(echo, big);
  let same = back.length === n;
  for (let i = 0; same && i < n; i += 4096) same = back[i] === big[i];
  same &&= back[n - 1] === 0x5a;
  say({ phase: 'echo', bytes: back.length, same, ms: Math.round(performance.now() - t0) });
  await pool.shutdown();
  say({ phase: 'done' });
} else if (mode === 'hold') {
  const held = Array.from({ length: 4 }, () => pool.submit(hang));
  await new Promise((r) => setTimeout(r, 500)); // every task reached a worker
  say({ phase: 'held' });
  const settled = await Promise.all(
    held.map((f) =>
      f.then(
        () => ({ name: 'resolved' }),
        (e) => ({ name: e.name, message: e.message, t: Date.now() }),
      ),
    ),
  );
  say({ phase: 'settled', settled });
  if (arg !== undefined) {
    await new Promise((r) => setTimeout(r, Number(arg)));
    say({ phase: 'lived' });
  }
  // The program ends here: the engine cannot finalize MPI with a rank lost; the launcher ends the job.
}
