// What the dashboard costs: no-op tasks on shm (2 workers), dashboard off vs on, as the
// bench measures throughput (N tasks in flight, one task per submit). Each run is a fresh
// process (so one mode's JIT state does not carry into the next), modes interleaved, best
// and median of several each. "on + page" also has a page connected: a child process that
// reads /events as a browser would (on this machine: it competes for the same cores).
//
//   pnpm --filter @futures/core build && pnpm --filter @futures/dashboard build
//   node packages/dashboard/scripts/overhead.mjs [--tasks 200000] [--reps 5] [--in-flight 1024]
import { spawn } from 'node:child_process';
import { PoolExecutor, task } from '@futures/core';
import { closeDashboard, DashboardHub, dashboardUrl } from '@futures/dashboard';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = arg('tasks', 200_000);
const REPS = arg('reps', 5);
const IN_FLIGHT = arg('in-flight', 1024);
const noop = task(new URL('./noop-task.mjs', import.meta.url), 'noop');

async function pipelined(pool, count) {
  let launched = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, count) }, async () => {
      while (launched < count) {
        launched++;
        await pool.submit(noop);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** A page: a child process that reads the event stream until killed; resolves once connected. */
function openPage(url) {
  const reader = `const r = await fetch(${JSON.stringify(new URL('events', url).href)});
let n = 0; for await (const c of r.body) { n += c.length; if (n > 0 && !globalThis.s) { globalThis.s = 1; process.stdout.write('connected\\n'); } }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', reader], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => child.stdout.once('data', () => resolve(child)));
}

const controllerUsOf = {};

async function run(mode) {
  const pool = new PoolExecutor({ transport: 'shm', maxWorkers: 2, dashboard: mode !== 'off' });
  await pool.bootup();
  let page = null;
  if (mode === 'on + page') page = await openPage(await dashboardUrl());
  await pipelined(pool, Math.min(20_000, TASKS)); // warm-up (JIT, queues, learned depth)
  const elu = performance.eventLoopUtilization();
  const seconds = await pipelined(pool, TASKS);
  const busy = performance.eventLoopUtilization(elu);
  await pool.shutdown();
  page?.kill();
  controllerUsOf[mode].push((busy.active * 1000) / TASKS);
  return TASKS / seconds;
}

const modes = ['off', 'on', 'on + page'];
const one = process.argv.indexOf('--one');
if (one > 0) {
  // a single run in this process: print its rate and controller time
  const mode = modes[Number(process.argv[one + 1])];
  controllerUsOf[mode] = [];
  const rate = await run(mode);
  await closeDashboard();
  console.log(JSON.stringify({ rate, us: controllerUsOf[mode][0] }));
  process.exit(0);
}
const rates = Object.fromEntries(modes.map((m) => [m, []]));
/** The controller thread's busy time per task (event-loop utilisation), µs. */
const controllerUs = Object.fromEntries(modes.map((m) => [m, []]));
const self = new URL(import.meta.url).pathname;
const passOn = ['--tasks', String(TASKS), '--in-flight', String(IN_FLIGHT)];
function runInChild(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, '--one', String(modes.indexOf(mode)), ...passOn], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()))
        : reject(new Error(`run failed: ${code}`)),
    );
  });
}
for (let rep = 0; rep < REPS; rep++) {
  for (const mode of rep % 2 === 0 ? modes : [...modes].reverse()) {
    const { rate, us } = await runInChild(mode);
    rates[mode].push(rate);
    controllerUs[mode].push(us);
  }
}
const best = (m) => Math.max(...rates[m]);
const median = (m) => [...rates[m]].sort((a, b) => a - b)[Math.floor(rates[m].length / 2)];
console.log(
  `no-op tasks, shm, 2 workers, ${TASKS} tasks, ${IN_FLIGHT} in flight, ${REPS} runs each (interleaved)`,
);
for (const m of modes) {
  const cost =
    m === 'off'
      ? ''
      : `  best ${(100 * (1 - best(m) / best('off'))).toFixed(1)}% below off, median ${(100 * (1 - median(m) / median('off'))).toFixed(1)}%`;
  console.log(`${m.padEnd(10)} best ${Math.round(best(m))} tasks/s  median ${Math.round(median(m))}${cost}`);
  console.log(`           runs: ${rates[m].map((r) => Math.round(r)).join(' ')}`);
  console.log(
    `           controller thread busy per task: best ${Math.min(...controllerUs[m]).toFixed(2)} µs`,
  );
}

// The dashboard's own work, without the noise of a shared machine: synthetic events through a
// DashboardHub, as core delivers them (one event object per task, created here too).
{
  let observer;
  const idle = {
    submitted: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    retried: 0,
    queued: 0,
    running: 0,
    workers: [],
  };
  const source = {
    transportName: 'shm',
    observe: (o) => {
      observer = o;
      return () => {};
    },
    stats: () => idle,
  };
  const hub = new DashboardHub();
  const attachment = hub.attach(source, { transport: 'shm', settings: {} });
  const N = 2_000_000;
  const t0 = Date.now();
  let start = performance.now();
  for (let i = 0; i < N; i++) {
    const end = t0 + i * 0.003;
    observer.taskFinished({
      workerId: 1 + (i & 1),
      taskId: i,
      fn: 'noop',
      ok: true,
      start: end - 0.001,
      end,
      runMs: 0.001,
      error: undefined,
    });
  }
  const perTask = ((performance.now() - start) * 1000) / N;
  let bytes = 0;
  hub.subscribe((m) => {
    bytes += JSON.stringify(m).length;
  });
  // one batch for a page: 1,000 spans built and serialized (what a page costs every 200 ms at most)
  const batches = 200;
  start = performance.now();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < 1000; i++)
      observer.taskFinished({
        workerId: 1,
        taskId: i,
        fn: 'noop',
        ok: true,
        start: t0,
        end: t0,
        runMs: 0,
        error: undefined,
      });
    hub.flushNow();
  }
  const perBatch = (performance.now() - start) / batches;
  attachment.detach();
  hub.close();
  console.log(`dashboard work per finished task (recording a span): ${perTask.toFixed(3)} µs`);
  console.log(
    `one batch to a page (1,000 spans, ${Math.round(bytes / batches / 1024)} KiB): ${perBatch.toFixed(2)} ms, i.e. ${(perBatch / 2).toFixed(2)}% of the controller thread at 5 batches/s`,
  );
}
