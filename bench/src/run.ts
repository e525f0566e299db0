/**
 * The benchmark: throughput (no-op tasks, chunksize 1, N in flight) and bandwidth (echo a
 * Uint8Array of 1 KiB .. 16 MiB), for 1 and 2 workers, and balance (CPU-spin tasks of uneven
 * durations; efficiency = ideal makespan / measured), for 2 workers, for every peer in
 * dist/peers/. Pools are started and warmed before timing; each cell is the median of its
 * repetitions.
 *
 *   node dist/run.js [--quick] [--peers=futures-shm,piscina] [--workers=1,2]
 *                    [--sizes=1024,65536] [--workload=throughput,bandwidth,balance]
 *                    [--shapes=long+short,lognormal] [--reps=N] [--tasks=N]
 *                    [--in-flight=N] [--out=FILE]
 *   node dist/run.js --workload=soak [...]   the soak, alone (options: see soak.ts)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureBalance, pickShapes } from './balance.js';
import { childArgs, runHeader, runJsonChild } from './child.js';
import { bandwidth, median, throughput } from './measure.js';
import type { Peer, Workload } from './peer.js';
import { type Result, render, sizeLabel } from './report.js';
import { isSoak, runSoak } from './soak.js';

interface Settings {
  quick: boolean;
  peers: string[] | null;
  /** Worker counts of throughput and bandwidth (default 1,2). */
  workers: number[];
  /** Worker counts of balance (default 2; --workers sets both). */
  balanceWorkers: number[];
  sizes: number[];
  workloads: Workload[];
  /** Balance shapes (null: all). */
  shapes: string[] | null;
  reps: number;
  tasks: number;
  inFlight: number;
  bandwidthBytes: number;
  maxEchoTasks: number;
  out: string | null;
  /** Internal: measure one PEER@WORKERS in this process and print JSON. */
  child: string | null;
}

function parseArgs(argv: string[]): Settings {
  const get = (name: string): string | undefined => {
    const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return hit === undefined ? undefined : hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : 'true';
  };
  const list = (v: string | undefined) => v?.split(',').filter(Boolean);
  const known = [
    'child',
    'quick',
    'peers',
    'workers',
    'sizes',
    'workload',
    'shapes',
    'reps',
    'tasks',
    'in-flight',
    'out',
    'help',
  ];
  for (const a of argv) {
    const name = a.replace(/^--/, '').split('=')[0]!;
    if (!a.startsWith('--') || !known.includes(name))
      throw new Error(`unknown argument ${a}; known: ${known.map((k) => `--${k}`).join(' ')}`);
  }
  if (get('help') !== undefined) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
    process.exit(0);
  }
  const quick = get('quick') !== undefined;
  const all: Workload[] = ['throughput', 'bandwidth', 'balance'];
  const workloads = (list(get('workload')) ?? all) as Workload[];
  for (const w of workloads)
    if (!all.includes(w)) throw new Error(`unknown workload ${w}; known: ${all.join(', ')}`);
  const workers = list(get('workers'))?.map(Number);
  const shapes = list(get('shapes')) ?? null;
  pickShapes(shapes); // fails early on an unknown name
  return {
    quick,
    peers: list(get('peers')) ?? null,
    workers: workers ?? [1, 2],
    balanceWorkers: workers ?? [2],
    sizes: (list(get('sizes')) ?? ['1024', '65536', '1048576', '16777216']).map(Number),
    workloads,
    shapes,
    reps: Number(get('reps') ?? (quick ? 1 : 3)),
    tasks: Number(get('tasks') ?? (quick ? 5_000 : 100_000)),
    inFlight: Number(get('in-flight') ?? 1024),
    bandwidthBytes: quick ? 16 << 20 : 256 << 20,
    maxEchoTasks: quick ? 500 : 20_000,
    out: get('out') ?? null,
    child: get('child') ?? null,
  };
}

/** Every peer of every module in dist/peers/, with the file that defines it. */
async function discoverPeers(only: string | null = null): Promise<{ peer: Peer; file: string }[]> {
  const dir = new URL('./peers/', import.meta.url);
  const files =
    only !== null
      ? [only]
      : fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.js'))
          .sort();
  const all: { peer: Peer; file: string }[] = [];
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as { peers?: Peer[] };
    for (const peer of mod.peers ?? []) all.push({ peer, file });
  }
  // ours first, then the others by name
  const ours = (p: Peer) => Number(p.name.startsWith('futures-shm'));
  return all.sort((a, b) => ours(b.peer) - ours(a.peer) || a.peer.name.localeCompare(b.peer.name));
}

/** The workloads `peer` runs with `workers` workers in this run. */
function workloadsOf(s: Settings, peer: Peer, workers: number): Workload[] {
  return s.workloads.filter(
    (w) => peer.workloads.includes(w) && (w === 'balance' ? s.balanceWorkers : s.workers).includes(workers),
  );
}

/** Measures one peer with one worker count, in this process (a child of the run). */
async function measurePeer(s: Settings, peer: Peer, workers: number): Promise<Result[]> {
  const todo = workloadsOf(s, peer, workers);
  const results: Result[] = [];
  if (todo.includes('throughput') || todo.includes('bandwidth'))
    results.push(...(await measureTransfers(s, peer, workers, todo)));
  if (todo.includes('balance'))
    results.push(...(await measureBalance(peer, workers, s.reps, pickShapes(s.shapes))));
  return results;
}

/** Throughput and bandwidth, on one pool warmed with no-op tasks. */
async function measureTransfers(
  s: Settings,
  peer: Peer,
  workers: number,
  todo: Workload[],
): Promise<Result[]> {
  const results: Result[] = [];
  const pool = await peer.start(workers);
  try {
    if (todo.includes('throughput')) {
      const reps: number[] = [];
      for (let i = 0; i < s.reps; i++) reps.push((await throughput(pool, s.tasks, s.inFlight)).rate);
      results.push({
        peer: peer.name,
        version: peer.version,
        semantics: peer.semantics,
        workload: 'throughput',
        workers,
        tasks: s.tasks,
        inFlight: s.inFlight,
        value: median(reps),
        reps,
      });
    }
    if (todo.includes('bandwidth')) {
      for (const size of s.sizes) {
        // copying rows move bytes: a byte budget; moving rows pay per message: a task count
        const byBytes = Math.round(s.bandwidthBytes / size);
        const tasks = Math.max(
          peer.semantics === 'transfer' ? s.maxEchoTasks >> 2 : 8,
          Math.min(s.maxEchoTasks, byBytes),
        );
        const inFlight = Math.max(2, 2 * workers);
        const reps: number[] = [];
        for (let i = 0; i < s.reps; i++)
          reps.push((await bandwidth(pool, peer.semantics, size, tasks, inFlight)).mbps);
        results.push({
          peer: peer.name,
          version: peer.version,
          semantics: peer.semantics,
          workload: 'bandwidth',
          workers,
          size,
          tasks,
          inFlight,
          value: median(reps),
          reps,
        });
      }
    }
  } finally {
    await pool.close();
  }
  return results;
}

/**
 * Runs `node run.js --child=PEER@WORKERS ...` and reads its results. Every peer and worker
 * count gets a fresh process, so none inherits another's heap, JIT or malloc state (glibc
 * keeps its trim/mmap thresholds per process: one peer's big buffers would otherwise
 * change the page-fault cost of the next).
 */
function runChild(peer: Peer, file: string, workers: number): Promise<Result[]> {
  return runJsonChild<Result[]>(
    import.meta.url,
    process.execArgv,
    [...childArgs(), `--child=${file}:${peer.name}@${workers}`],
    `${peer.name} with ${workers} worker(s)`,
  );
}

function progressLine(r: Result): string {
  if (r.workload === 'balance') {
    const ms = r.makespansMs!.map((m) => m.toFixed(0)).join(', ');
    return `${r.peer} w=${r.workers} balance ${r.shape} ${r.style}: efficiency ${r.value.toFixed(2)} (makespans ${ms} ms; ideal ${r.idealMs!.toFixed(0)} ms)`;
  }
  const what = r.workload === 'throughput' ? 'throughput' : `echo ${sizeLabel(r.size!)}`;
  const unit = r.workload === 'throughput' ? 'tasks/s' : 'MB/s';
  return `${r.peer} w=${r.workers} ${what}: ${Math.round(r.value)} ${unit}`;
}

async function main(): Promise<void> {
  if (isSoak(process.argv.slice(2))) return runSoak(process.argv.slice(2).filter((a) => a !== '--'));
  const s = parseArgs(process.argv.slice(2).filter((a) => a !== '--'));
  const peers =
    s.child !== null
      ? []
      : (await discoverPeers()).filter(
          ({ peer: p }) =>
            s.peers === null || s.peers.some((n) => p.name === n || p.name.startsWith(`${n} `)),
        );
  if (s.child !== null) {
    // --child=FILE:PEER@WORKERS: load only that peer's module
    const colon = s.child.indexOf(':');
    const at = s.child.lastIndexOf('@');
    const name = s.child.slice(colon + 1, at);
    const hit = (await discoverPeers(s.child.slice(0, colon))).find((p) => p.peer.name === name);
    if (hit === undefined) throw new Error(`no peer named ${name}`);
    await hit.peer.unavailable?.(); // (some rows learn their version there)
    process.stdout.write(JSON.stringify(await measurePeer(s, hit.peer, Number(s.child.slice(at + 1)))));
    return;
  }
  const results: Result[] = [];
  const skipped: string[] = [];
  const started = Date.now();
  for (const { peer, file } of peers) {
    const why = (await peer.unavailable?.()) ?? null;
    if (why !== null) {
      skipped.push(`${peer.name}: ${why}`);
      continue;
    }
    const counts = [...new Set([...s.workers, ...s.balanceWorkers])].sort((a, b) => a - b);
    for (const workers of counts) {
      if (workloadsOf(s, peer, workers).length === 0) continue;
      const got = await runChild(peer, file, workers);
      for (const r of got) console.error(progressLine(r));
      results.push(...got);
    }
  }
  const text = render(results, s.workers, s.sizes);
  console.log(text);
  for (const line of skipped) console.log(`skipped ${line}`);
  const report = {
    ...runHeader(started),
    cpuModel: os.cpus()[0]?.model ?? '?',
    settings: s,
    shapes: pickShapes(s.shapes).map(({ name, description, durations }) => ({
      name,
      description,
      durations,
    })),
    skipped,
    results,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  fs.mkdirSync(dir, { recursive: true });
  const file = s.out ?? `${dir}${report.date.replace(/[:.]/g, '-')}${s.quick ? '-quick' : ''}.json`;
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${dir}latest${s.quick ? '-quick' : ''}.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${file} (${report.seconds.toFixed(0)} s)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
