/**
 * Soak: N no-op tasks per futures transport (shm, zmq, mpi), pipelined as a user would: the
 * first half through `pool.map(noop, items, { chunksize, buffersize })` consumed with
 * `for await`, the second half submitted in windows of `--window` futures that are awaited
 * together and dropped. Every `--every` tasks (and at the end) it records the controller
 * process's memory (heapUsed, heapTotal, external, arrayBuffers, RSS); with `--gc` (which
 * starts the child with --expose-gc) after a full garbage collection.
 *
 *   node dist/run.js --workload=soak [--tasks=10000000] [--peers=shm,zmq,mpi] [--every=1000000]
 *                    [--chunksize=1000] [--buffersize=16] [--window=10000] [--gc] [--out=FILE]
 *
 * Each transport runs in a fresh child process. Prints one Markdown table per transport
 * and writes the JSON to results/soak-<date>.json.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PoolExecutor, task } from '@futures/core';
import { childArgs, runHeader, runJsonChild } from './child.js';
import { WORKERS_DIR } from './peer.js';
import { memorySample, renderSoak, type SoakRow, type SoakRun } from './soak-report.js';

interface SoakSettings {
  tasks: number;
  peers: string[];
  every: number;
  chunksize: number;
  buffersize: number;
  window: number;
  gc: boolean;
  out: string | null;
  child: string | null;
}

const KNOWN = [
  'workload',
  'tasks',
  'peers',
  'every',
  'chunksize',
  'buffersize',
  'window',
  'gc',
  'out',
  'child',
];

/** Whether the command line asks for the soak workload (it then runs alone). */
export function isSoak(argv: string[]): boolean {
  return argv.some((a) => a.startsWith('--workload=') && a.slice(11).split(',').includes('soak'));
}

function parse(argv: string[]): SoakSettings {
  const get = (name: string): string | undefined => {
    const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return hit === undefined ? undefined : hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : 'true';
  };
  for (const a of argv) {
    const name = a.replace(/^--/, '').split('=')[0]!;
    if (!a.startsWith('--') || !KNOWN.includes(name))
      throw new Error(
        `unknown argument ${a} for --workload=soak; known: ${KNOWN.map((k) => `--${k}`).join(' ')}`,
      );
  }
  if (get('workload') !== 'soak') throw new Error('--workload=soak runs alone (not with other workloads)');
  const int = (name: string, dflt: number): number => {
    const v = Number(get(name) ?? dflt);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be an integer >= 1`);
    return v;
  };
  const peers = (get('peers') ?? 'shm,zmq,mpi').split(',').map((p) => p.replace(/^futures-/, ''));
  for (const p of peers)
    if (!['shm', 'zmq', 'mpi'].includes(p)) throw new Error(`soak: unknown transport ${p}`);
  return {
    tasks: int('tasks', 10_000_000),
    peers,
    every: int('every', 1_000_000),
    chunksize: int('chunksize', 1000),
    buffersize: int('buffersize', 16),
    window: int('window', 10_000),
    gc: get('gc') !== undefined,
    out: get('out') ?? null,
    child: get('child') ?? null,
  };
}

const TASKS = new URL('futures-tasks.js', WORKERS_DIR);
const noop = task<() => number>(TASKS, 'noop');
/** The same no-op, as map() calls it: with the item (ignored). */
const noopItem = task<(i: number) => number>(TASKS, 'noop');

interface WorkerHeap {
  id: string;
  usedMB: number;
  physicalMB: number;
  mallocedMB: number;
  arrayBuffersMB: number;
}
const heapProbe = task<() => WorkerHeap>(new URL('soak-probe.js', WORKERS_DIR), 'heap');

/**
 * The workers' own V8 heaps (physical MB) and ArrayBuffers, summed over the distinct workers
 * that 16 probe tasks reached.
 */
async function workerHeaps(
  pool: PoolExecutor,
): Promise<{ workerHeapMB: number; workerArrayBuffersMB: number; workersProbed: number }> {
  const seen = new Map<string, WorkerHeap>();
  for (const h of await Promise.all(Array.from({ length: 16 }, () => pool.submit(heapProbe))))
    seen.set(h.id, h);
  let physical = 0;
  let buffers = 0;
  for (const h of seen.values()) {
    physical += h.physicalMB;
    buffers += h.arrayBuffersMB;
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  return { workerHeapMB: round(physical), workerArrayBuffersMB: round(buffers), workersProbed: seen.size };
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** In a child process: the soak of one transport; prints its rows as JSON. */
async function soakOne(s: SoakSettings, transport: string): Promise<SoakRow[]> {
  const pool = new PoolExecutor({ transport, maxWorkers: 2 });
  await pool.bootup();
  const rows: SoakRow[] = [];
  const t0 = performance.now();
  let done = 0;
  let next = s.every;
  let last = { at: t0, done: 0 };
  const checkpoint = async (phase: string, probe = true): Promise<void> => {
    const now = performance.now();
    const workers = probe
      ? await workerHeaps(pool)
      : { workerHeapMB: 0, workerArrayBuffersMB: 0, workersProbed: 0 };
    const row = {
      tasks: done,
      phase,
      seconds: (now - t0) / 1000,
      tasksPerSec: (done - last.done) / ((now - last.at) / 1000),
      ...memorySample(s.gc),
      ...workers,
    };
    rows.push(row);
    process.stderr.write(`${transport} ${JSON.stringify(row)}\n`);
    last = { at: performance.now(), done };
  };
  await checkpoint('start');
  const mapped = Math.floor(s.tasks / 2);
  for await (const v of pool.map(noopItem, range(mapped), {
    chunksize: s.chunksize,
    buffersize: s.buffersize,
  })) {
    if (v !== 0) throw new Error(`noop returned ${String(v)}`);
    if (++done >= next) {
      await checkpoint('map');
      next += s.every;
    }
  }
  while (done < s.tasks) {
    const n = Math.min(s.window, s.tasks - done, next - done);
    const window = new Array<PromiseLike<number>>(n);
    for (let i = 0; i < n; i++) window[i] = pool.submit(noop);
    await Promise.all(window);
    done += n;
    if (done >= next) {
      await checkpoint('windows');
      next += s.every;
    }
  }
  if (rows.at(-1)?.tasks !== done) await checkpoint('end');
  await pool.shutdown();
  await checkpoint('after shutdown', false);
  return rows;
}

function runChild(s: SoakSettings, transport: string): Promise<SoakRow[]> {
  const execArgv = [...process.execArgv, ...(s.gc ? ['--expose-gc'] : [])];
  return runJsonChild<SoakRow[]>(
    import.meta.url,
    execArgv,
    [...childArgs(), `--child=${transport}`],
    `soak on ${transport}`,
  );
}

export async function runSoak(argv: string[]): Promise<void> {
  const s = parse(argv);
  if (s.child !== null) {
    process.stdout.write(JSON.stringify(await soakOne(s, s.child)));
    return;
  }
  const runs: SoakRun[] = [];
  const started = Date.now();
  for (const transport of s.peers) {
    try {
      runs.push({ transport, rows: await runChild(s, transport) });
    } catch (error) {
      runs.push({ transport, rows: [], error: (error as Error).message });
    }
  }
  console.log(renderSoak(runs, s));
  const report = {
    ...runHeader(started),
    env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? null },
    settings: s,
    runs,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  fs.mkdirSync(dir, { recursive: true });
  const file = s.out ?? `${dir}soak-${report.date.replace(/[:.]/g, '-')}.json`;
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${file} (${report.seconds.toFixed(0)} s)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runSoak(process.argv.slice(2).filter((a) => a !== '--')).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
