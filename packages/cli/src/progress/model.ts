import type { ExecutorStats, ProgressMessage } from '@futures/core';

/** One worker's line in a view. */
export interface WorkerView {
  key: string;
  label: string;
  /** Share of the last couple of seconds in which the worker held work (0..1). */
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

const RATE_WINDOW_MS = 1000;
const UTILISATION_WINDOW_MS = 2000;

interface WorkerTrack {
  /** When the worker joined, in the executor's uptime (0 for the workers of the first snapshot). */
  joined: number;
  /** Busy milliseconds so far, at uptime t. */
  busy: { t: number; ms: number }[];
}

interface Track {
  transport: string;
  stats: ExecutorStats;
  final: boolean;
  snapshots: number;
  samples: { t: number; finished: number }[];
  workers: Map<number, WorkerTrack>;
}

const finishedOf = (s: ExecutorStats): number => s.completed + s.failed + s.cancelled;

/** The busy share over the last couple of seconds (the lifetime share until two snapshots exist). */
function recentUtilisation(h: WorkerTrack | undefined, lifetime: number): number {
  const a = h?.busy[0];
  const b = h?.busy[h.busy.length - 1];
  if (a === undefined || b === undefined || b.t <= a.t) return lifetime;
  return Math.min(1, Math.max(0, (b.ms - a.ms) / (b.t - a.t)));
}

/** Aggregates the snapshots of every executor of one program into what the views draw. */
export class ProgressModel {
  readonly #tracks = new Map<string, Track>();

  /** Records a snapshot; returns a summary when it is an executor's final one. */
  update(msg: ProgressMessage): FinalSummary | null {
    let track = this.#tracks.get(msg.id);
    if (track === undefined) {
      track = {
        transport: msg.transport,
        stats: msg.stats,
        final: false,
        snapshots: 0,
        samples: [],
        workers: new Map(),
      };
      this.#tracks.set(msg.id, track);
    }
    if (track.final) return null;
    const s = msg.stats;
    track.stats = s;
    track.snapshots++;
    track.samples.push({ t: s.uptimeMs, finished: finishedOf(s) });
    while (track.samples.length > 2 && track.samples[0]!.t < s.uptimeMs - RATE_WINDOW_MS)
      track.samples.shift();
    const seen = new Set<number>();
    for (const w of s.workers) {
      seen.add(w.workerId);
      let h = track.workers.get(w.workerId);
      if (h === undefined) {
        // a worker first seen later (a replacement, a zmq peer) joined since the last snapshot
        h = { joined: track.snapshots === 1 ? 0 : s.uptimeMs, busy: [] };
        track.workers.set(w.workerId, h);
      }
      // core reports each worker's busy milliseconds so far
      h.busy.push({ t: s.uptimeMs, ms: w.busyMs });
      while (h.busy.length > 2 && h.busy[0]!.t < s.uptimeMs - UTILISATION_WINDOW_MS) h.busy.shift();
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
        const busy = recentUtilisation(t.workers.get(w.workerId), w.utilization);
        v.workers.push({
          key: `${id}/${w.workerId}`,
          label: multi ? `e${n}.w${w.workerId}` : `w${w.workerId}`,
          utilisation: busy,
          inFlight: w.inFlight,
          completed: w.completed,
        });
      }
    }
    if (v.live === 0 && v.uptimeMs > 0) v.rate = ((v.completed + v.failed + v.cancelled) * 1000) / v.uptimeMs;
    return v;
  }
}
