#!/usr/bin/env node
// The MPI benchmark: futures-mpi (spawn and static) against mpi4py.futures (static), with
// the raw MPI ping-pong of the addon as the limit, and idle CPU. 2 workers.
//   node packages/transport-mpi/bench/run.mjs [--quick] [--reps=N] [--tasks=N] [--skip-mpi4py]
// Needs Open MPI (mpiexec) and python3-mpi4py + python3-numpy for /usr/bin/python3.
// Writes packages/transport-mpi/bench/results/latest.json and prints markdown tables.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const root = path.resolve(pkg, '../..');
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0], a.split('=')[1] ?? 'true']),
);
const quick = args.quick === 'true';
const reps = args.reps ?? (quick ? '1' : '3');
const tasks = args.tasks ?? (quick ? '20000' : '100000');
const sizes = [1024, 65536, 1048576, 16777216];
const launcher = process.env.FUTURES_MPIEXEC || 'mpiexec';

const env = { ...process.env };
if (process.getuid?.() === 0) {
  env.OMPI_ALLOW_RUN_AS_ROOT ??= '1';
  env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ??= '1';
}
env.OMPI_MCA_rmaps_base_oversubscribe ??= '1';

function json(title, cmd, argv, extraEnv = {}) {
  console.error(`# ${title}: ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, {
    cwd: pkg,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  const line = (r.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined)
    throw new Error(`${title} failed (exit ${r.status}): ${r.stdout}`);
  return JSON.parse(line);
}

const common = [`--reps=${reps}`, `--tasks=${tasks}`, `--sizes=${sizes.join(',')}`];
const spawn = json('futures-mpi spawn', 'node', ['bench/futures-mpi-rows.mjs', ...common]);
const stat = json('futures-mpi static', launcher, [
  '-n',
  '3',
  'node',
  'dist/run.js',
  'bench/futures-mpi-rows.mjs',
  ...common,
]);
const mpi4py =
  args['skip-mpi4py'] === 'true'
    ? null
    : json(
        'mpi4py.futures static',
        launcher,
        [
          '-n',
          '3',
          '/usr/bin/python3',
          '-m',
          'mpi4py.futures',
          path.join(root, 'bench/python/mpi4py_futures_bench.py'),
          `--reps=${reps}`,
          `--tasks=${Math.min(Number(tasks), 20000)}`,
          `--sizes=${sizes.join(',')}`,
        ],
        { PYTHONPATH: path.join(root, 'bench/python') },
      );
const idleSpawn = json('idle CPU, spawn', 'node', ['bench/idle-cpu.mjs', '5']);
const idleStatic = json('idle CPU, static', launcher, [
  '-n',
  '3',
  'node',
  'dist/run.js',
  'bench/idle-cpu.mjs',
  '5',
]);

const cell = (rows, workload, size) =>
  rows.find((r) => r.workload === workload && (size === undefined || r.size === size))?.value;
const raw = (size) => stat.pingpong.find((p) => p.bytes === size)?.bandwidthMBps;
const fmt = (v, d = 0) =>
  v === undefined || Number.isNaN(v)
    ? '-'
    : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const label = (s) => (s >= 1 << 20 ? `${s >> 20} MiB` : `${s >> 10} KiB`);
const py = mpi4py?.results ?? [];

const lines = [];
lines.push(
  `MPI benchmark, 2 workers (${os.cpus().length} cores, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}), ${new Date().toISOString()}`,
);
lines.push('');
lines.push(
  '| row | no-op tasks/s | echo 1 KiB MB/s | echo 64 KiB MB/s | echo 1 MiB MB/s | echo 16 MiB MB/s |',
);
lines.push('|:--|--:|--:|--:|--:|--:|');
const row = (name, rows) =>
  `| ${name} | ${fmt(cell(rows, 'throughput'))} | ${sizes.map((s) => fmt(cell(rows, 'bandwidth', s))).join(' | ')} |`;
lines.push(row('futures-mpi static', stat.rows));
lines.push(row('futures-mpi spawn', spawn.rows));
if (mpi4py) lines.push(row('mpi4py.futures static', py));
lines.push(`| raw MPI ping-pong (limit) | - | ${sizes.map((s) => fmt(raw(s))).join(' | ')} |`);
lines.push('');
if (mpi4py) {
  const ratio = (rows, w, s) => (cell(rows, w, s) ?? Number.NaN) / (cell(py, w, s) ?? Number.NaN);
  lines.push(
    '| ratio to mpi4py.futures static | tasks/s (target ≥ 10×) | 1 MiB (target ≥ 3×) | 16 MiB (target ≥ 3×) |',
  );
  lines.push('|:--|--:|--:|--:|');
  for (const [name, rows] of [
    ['futures-mpi static', stat.rows],
    ['futures-mpi spawn', spawn.rows],
  ]) {
    lines.push(
      `| ${name} | ${fmt(ratio(rows, 'throughput'), 1)}× | ${fmt(ratio(rows, 'bandwidth', 1 << 20), 1)}× | ${fmt(ratio(rows, 'bandwidth', 16 << 20), 1)}× |`,
    );
  }
  lines.push('');
}
lines.push('| fraction of the raw ping-pong | ' + sizes.map(label).join(' | ') + ' |');
lines.push('|:--|' + sizes.map(() => '--:').join('|') + '|');
for (const [name, rows] of [
  ['futures-mpi static', stat.rows],
  ['futures-mpi spawn', spawn.rows],
  ...(mpi4py ? [['mpi4py.futures static', py]] : []),
]) {
  lines.push(
    `| ${name} | ${sizes.map((s) => `${fmt((100 * (cell(rows, 'bandwidth', s) ?? Number.NaN)) / (raw(s) ?? Number.NaN))}%`).join(' | ')} |`,
  );
}
lines.push('');
lines.push(
  `Idle CPU over ${idleSpawn.seconds.toFixed(0)} s (% of one core; target < 5% for the controller):`,
);
lines.push(
  `spawn: controller ${fmt(idleSpawn.controllerPct, 1)}%, workers ${idleSpawn.workerPct.map((p) => `${fmt(p, 1)}%`).join(', ')}; ` +
    `static: controller ${fmt(idleStatic.controllerPct, 1)}%, workers ${idleStatic.workerPct.map((p) => `${fmt(p, 1)}%`).join(', ')}`,
);
const text = lines.join('\n');
console.log(text);
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  loadavg: os.loadavg(),
  reps,
  tasks,
  spawn,
  static: stat,
  mpi4py,
  idle: { spawn: idleSpawn, static: idleStatic },
  table: text,
};
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.error(`results: ${path.join(here, 'results', 'latest.json')}`);
