import type { ExecutorStats } from '@futures/core';

/** What an executor sends over the IPC channel (see @futures/core executor/progress-report.ts). */
export interface StatsMessage {
  type: 'futures:stats';
  v: 1;
  id: string;
  transport: string;
  final: boolean;
  stats: ExecutorStats;
}

export function isStatsMessage(m: unknown): m is StatsMessage {
  const x = m as Partial<StatsMessage> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    x.type === 'futures:stats' &&
    typeof x.id === 'string' &&
    typeof x.stats === 'object' &&
    x.stats !== null &&
    Array.isArray(x.stats.workers)
  );
}

/** One worker's line in a view. */
export interface WorkerView {
  key: string;
  label: string;
  /** Fraction of recent samples in which the worker had work (0..1). */
  utilisation: number;
  inFlight: number;
  completed: number;
}

/** Totals over every executor the program created. */
export interface ProgressView {
  transports: string[];
  executors: number;
  /** Executors that have not sent their final snapshot. */
  live: number;
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  retried: number;
  queued: number;
  running: number;
  /** Tasks finished per second over the last couple of seconds. */
  rate: number;
  uptimeMs: number;
  workers: WorkerView[];
}

/** The summary printed when an executor shuts down. */
export interface FinalSummary {
  transport: string;
  stats: ExecutorStats;
  /** Tasks finished per second over the executor's life. */
  rate: number;
}

const RATE_WINDOW_MS = 2000;
const UTILISATION_SAMPLES = 10;

interface Track {
  transport: string;
  stats: ExecutorStats;
  final: boolean;
  samples: { t: number; finished: number }[];
  workers: Map<number, { busy: boolean[]; completed: number }>;
}

const finishedOf = (s: ExecutorStats): number => s.completed + s.failed + s.cancelled;

/** Aggregates the snapshots of every executor of one program into what the views draw. */
export class ProgressModel {
  readonly #tracks = new Map<string, Track>();

  /** Records a snapshot; returns a summary when it is an executor's final one. */
  update(msg: StatsMessage): FinalSummary | null {
    let track = this.#tracks.get(msg.id);
    if (track === undefined) {
      track = { transport: msg.transport, stats: msg.stats, final: false, samples: [], workers: new Map() };
      this.#tracks.set(msg.id, track);
    }
    if (track.final) return null;
    const s = msg.stats;
    track.stats = s;
    track.samples.push({ t: s.uptimeMs, finished: finishedOf(s) });
    while (track.samples.length > 2 && track.samples[0]!.t < s.uptimeMs - RATE_WINDOW_MS) track.samples.shift();
    const seen = new Set<number>();
    for (const w of s.workers) {
      seen.add(w.workerId);
      let h = track.workers.get(w.workerId);
      if (h === undefined) {
        h = { busy: [], completed: w.completed };
        track.workers.set(w.workerId, h);
      }
      // busy if it holds work now or finished some since the last snapshot
      h.busy.push(w.inFlight > 0 || w.completed > h.completed);
      if (h.busy.length > UTILISATION_SAMPLES) h.busy.shift();
      h.completed = w.completed;
    }
    for (const id of [...track.workers.keys()]) if (!seen.has(id)) track.workers.delete(id);
    if (!msg.final) return null;
    track.final = true;
    const seconds = s.uptimeMs / 1000;
    return { transport: msg.transport, stats: s, rate: seconds > 0 ? finishedOf(s) / seconds : 0 };
  }

  get empty(): boolean {
    return this.#tracks.size === 0;
  }

  view(): ProgressView {
    const v: ProgressView = {
      transports: [],
      executors: this.#tracks.size,
      live: 0,
      submitted: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      retried: 0,
      queued: 0,
      running: 0,
      rate: 0,
      uptimeMs: 0,
      workers: [],
    };
    const multi = this.#tracks.size > 1;
    let n = 0;
    for (const [id, t] of this.#tracks) {
      n++;
      const s = t.stats;
      if (!v.transports.includes(t.transport)) v.transports.push(t.transport);
      v.submitted += s.submitted;
      v.completed += s.completed;
      v.failed += s.failed;
      v.cancelled += s.cancelled;
      v.retried += s.retried;
      v.uptimeMs = Math.max(v.uptimeMs, s.uptimeMs);
      if (t.final) continue;
      v.live++;
      v.queued += s.queued;
      v.running += s.running;
      const first = t.samples[0];
      const last = t.samples[t.samples.length - 1];
      if (first !== undefined && last !== undefined && last.t > first.t) {
        v.rate += ((last.finished - first.finished) * 1000) / (last.t - first.t);
      }
      for (const w of s.workers) {
        const h = t.workers.get(w.workerId);
        const busy = h === undefined || h.busy.length === 0 ? 0 : h.busy.filter(Boolean).length / h.busy.length;
        v.workers.push({
          key: `${id}/${w.workerId}`,
          label: multi ? `e${n}.w${w.workerId}` : `w${w.workerId}`,
          utilisation: busy,
          inFlight: w.inFlight,
          completed: w.completed,
        });
      }
    }
    return v;
  }
}
