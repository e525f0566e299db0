import * as fs from 'node:fs';

/** One checkpoint of a soak run: tasks done so far and the controller process's memory (MB). */
export interface SoakRow {
  tasks: number;
  phase: string;
  seconds: number;
  /** Since the previous checkpoint. */
  tasksPerSec: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  arrayBuffersMB: number;
  rssMB: number;
  /** RSS split as the kernel counts it (/proc/self/status): anonymous memory and mapped files. */
  rssAnonMB: number;
  rssFileMB: number;
  /** OS threads of the process (worker threads, libuv, V8, MPI/ZeroMQ I/O threads). */
  threads: number;
  /** The workers' own V8 heaps (physical): in this process's RSS for shm (threads), not for zmq/mpi. */
  workerHeapMB: number;
  /** The workers' ArrayBuffers (backing stores: malloc'd outside the V8 heap). */
  workerArrayBuffersMB: number;
  workersProbed: number;
}

export interface SoakRun {
  transport: string;
  rows: SoakRow[];
  error?: string;
}

const MB = 1 / (1024 * 1024);

function status(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const m = /^(\w+):\s+(\d+)/.exec(line);
      if (m !== null) out[m[1]!] = Number(m[2]);
    }
  } catch {
    // not Linux
  }
  return out;
}

/** The memory figures of this process; `gc`: after a full collection (needs --expose-gc). */
export function memorySample(
  gc: boolean,
): Omit<
  SoakRow,
  'tasks' | 'phase' | 'seconds' | 'tasksPerSec' | 'workerHeapMB' | 'workerArrayBuffersMB' | 'workersProbed'
> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect !== undefined) collect();
  const m = process.memoryUsage();
  const st = status();
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    heapUsedMB: round(m.heapUsed * MB),
    heapTotalMB: round(m.heapTotal * MB),
    externalMB: round(m.external * MB),
    arrayBuffersMB: round(m.arrayBuffers * MB),
    rssMB: round(m.rss * MB),
    rssAnonMB: round((st.RssAnon ?? 0) / 1024),
    rssFileMB: round((st.RssFile ?? 0) / 1024),
    threads: st.Threads ?? 0,
  };
}

/** Markdown tables, one per transport. */
export function renderSoak(
  runs: SoakRun[],
  s: { chunksize: number; buffersize: number; window: number },
): string {
  const out: string[] = [
    `Soak: no-op tasks, first half pool.map (chunksize ${s.chunksize}, buffersize ${s.buffersize}), ` +
      `second half submit() in windows of ${s.window}; controller process memory in MB.`,
  ];
  for (const run of runs) {
    out.push('', `### ${run.transport}`, '');
    if (run.error !== undefined) {
      out.push(`failed: ${run.error}`);
      continue;
    }
    out.push(
      '| tasks | phase | s | tasks/s | heapUsed | heapTotal | external | arrayBuffers | RSS | RSS anon | RSS file | threads | worker heaps | worker arrayBuffers |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of run.rows) {
      const rate = Number.isFinite(r.tasksPerSec) ? Math.round(r.tasksPerSec).toString() : '';
      out.push(
        `| ${r.tasks.toLocaleString('en-US')} | ${r.phase} | ${r.seconds.toFixed(1)} | ${rate} | ${r.heapUsedMB} | ` +
          `${r.heapTotalMB} | ${r.externalMB} | ${r.arrayBuffersMB} | ${r.rssMB} | ${r.rssAnonMB} | ${r.rssFileMB} | ${r.threads} | ` +
          `${r.workersProbed > 0 ? `${r.workerHeapMB} (${r.workersProbed})` : ''} | ` +
          `${r.workersProbed > 0 ? r.workerArrayBuffersMB : ''} |`,
      );
    }
  }
  return out.join('\n');
}
