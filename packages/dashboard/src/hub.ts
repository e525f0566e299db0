import * as os from 'node:os';
import * as path from 'node:path';
import type {
  DashboardAttachment,
  DashboardExecutorInfo,
  DashboardSource,
  ExecutorStats,
  TaskFinishedEvent,
  WorkerJoinedEvent,
  WorkerLostEvent,
} from '@futures/core';
import {
  DASHBOARD_PROTOCOL_VERSION,
  type DashboardMessage,
  type ExecutorInfo,
  type HelloMessage,
  type StatsPoint,
  type TaskErrorInfo,
  type WorkerInfo,
} from './messages.js';
import { SpanRing } from './span-ring.js';
import { shownSettings, statsPoint, unchanged } from './stats-point.js';

/** Bounds on what the dashboard keeps (memory stays bounded however long the program runs). */
export interface HubLimits {
  /** Recent task spans kept (and sent in `hello`). @default 10000 */
  spans: number;
  /** Spans sent per batch at most; the rest of a batch is counted as dropped. @default 1000 */
  spansPerBatch: number;
  /** Recent errors kept. @default 100 */
  errors: number;
  /** Stats points kept per executor. @default 600 (5 minutes at one per 500 ms) */
  statsPoints: number;
  /** Workers that left, kept for display (the oldest are forgotten first). @default 1000 */
  goneWorkers: number;
  /** Executors that shut down, kept with their workers and stats (the oldest are forgotten first). @default 20 */
  closedExecutors: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  spans: 10_000,
  spansPerBatch: 1_000,
  errors: 100,
  statsPoints: 600,
  goneWorkers: 1_000,
  closedExecutors: 20,
};

const FLUSH_MS = 200;
const STATS_MS = 500;
/** Errors sent per flush at most (a flood of failures must not flood the page). */
const ERRORS_PER_FLUSH = 10;
const MAX_FN_NAMES = 10_000;

type Send = (message: DashboardMessage) => void;

interface Tracked {
  index: number;
  info: ExecutorInfo;
  source: DashboardSource;
  unobserve: () => void;
  /** Last stats snapshot taken (for changes, rates and utilisation). */
  last: ExecutorStats | null;
  lastTime: number;
  points: StatsPoint[];
}

/**
 * The dashboard's state: the executors of this process, their workers, recent spans, errors
 * and stats, fed by each executor's observer; and the pushing of changes to the pages
 * connected (`subscribe`). One timer (unref'd) runs while an executor is attached.
 */
export class DashboardHub {
  readonly limits: HubLimits;
  #executors: Tracked[] = [];
  readonly #executorIds: string[] = [];
  readonly #workers = new Map<string, WorkerInfo>();
  readonly #fnNames: string[] = [];
  readonly #fnIndex = new Map<string, number>();
  #lastFn = '';
  #lastFnId = 0;
  readonly #spans: SpanRing;
  /** Spans already pushed (ring totals). */
  #spansSent = 0;
  readonly #errors: TaskErrorInfo[] = [];
  #errorsUnsent = 0;
  readonly #subscribers = new Set<Send>();
  #timer: NodeJS.Timeout | null = null;
  #lastStats = 0;
  #counter = 0;

  constructor(limits: Partial<HubLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.#spans = new SpanRing(this.limits.spans, this.#executorIds, this.#fnNames);
  }

  /** Starts pushing messages to `send` (a `hello` first); returns the function that stops it. */
  subscribe(send: Send): () => void {
    send(this.hello());
    this.#subscribers.add(send);
    return () => this.#subscribers.delete(send);
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  hello(): HelloMessage {
    return {
      type: 'hello',
      v: DASHBOARD_PROTOCOL_VERSION,
      time: Date.now(),
      program: {
        pid: process.pid,
        host: os.hostname(),
        title: process.argv[1] ? path.basename(process.argv[1]) : 'node',
      },
      executors: this.#executors.map((t) => t.info),
      workers: [...this.#workers.values()],
      spans: this.#spans.since(0, this.limits.spans),
      errors: [...this.#errors],
      stats: this.#executors.flatMap((t) => t.points),
    };
  }

  /** Shows an executor until `detach`. */
  attach(source: DashboardSource, described: DashboardExecutorInfo): DashboardAttachment {
    const index = this.#executorIds.length;
    const executorId = `${described.transport}-${++this.#counter}`;
    this.#executorIds.push(executorId);
    const info: ExecutorInfo = {
      executorId,
      transport: described.transport,
      settings: shownSettings(described.settings),
      host: os.hostname(),
      pid: process.pid,
      startedAt: Date.now(),
    };
    const tracked: Tracked = {
      index,
      info,
      source,
      unobserve: () => {},
      last: null,
      lastTime: 0,
      points: [],
    };
    tracked.unobserve = source.observe({
      workerJoined: (e) => this.#workerJoined(tracked, e),
      workerLost: (e) => this.#workerLost(tracked, e),
      taskFinished: (e) => this.#taskFinished(tracked, e),
    });
    this.#executors.push(tracked);
    this.#broadcast({ type: 'executor', executor: info });
    this.#startTimer();
    let detached = false;
    return {
      detach: (broken?: Error) => {
        if (detached) return;
        detached = true;
        this.#detach(tracked, broken);
      },
    };
  }

  #detach(tracked: Tracked, broken: Error | undefined): void {
    tracked.unobserve();
    this.#flush();
    this.#takeStats(tracked, Date.now(), true);
    const time = Date.now();
    for (const w of this.#workers.values()) {
      if (w.executorId !== tracked.info.executorId || w.state !== 'alive') continue;
      w.state = 'stopped';
      w.leftAt = time;
      this.#broadcast({
        type: 'worker-lost',
        executorId: w.executorId,
        workerId: w.workerId,
        time,
        state: 'stopped',
      });
    }
    tracked.info.closedAt = time;
    if (broken !== undefined) tracked.info.broken = broken.message;
    const executorId = tracked.info.executorId;
    this.#broadcast(
      broken === undefined
        ? { type: 'executor-closed', executorId, time }
        : { type: 'executor-closed', executorId, time, broken: broken.message },
    );
    this.#forgetGoneWorkers();
    this.#forgetClosedExecutors();
    if (this.#executors.every((t) => t.info.closedAt !== undefined)) this.#stopTimer();
  }

  /** A program that makes executor after executor keeps only the most recent closed ones. */
  #forgetClosedExecutors(): void {
    const closed = this.#executors.filter((t) => t.info.closedAt !== undefined);
    const forget = new Set(closed.slice(0, Math.max(0, closed.length - this.limits.closedExecutors)));
    if (forget.size === 0) return;
    this.#executors = this.#executors.filter((t) => !forget.has(t));
    const ids = new Set([...forget].map((t) => t.info.executorId));
    for (const [key, w] of this.#workers) if (ids.has(w.executorId)) this.#workers.delete(key);
  }

  #workerJoined(tracked: Tracked, e: WorkerJoinedEvent): void {
    const worker: WorkerInfo = {
      executorId: tracked.info.executorId,
      workerId: e.workerId,
      host: e.host,
      pid: e.pid,
      threadId: e.threadId,
      state: 'alive',
      joinedAt: e.time,
    };
    if (e.label !== undefined) worker.label = e.label;
    this.#workers.set(`${worker.executorId}:${e.workerId}`, worker);
    this.#broadcast({ type: 'worker-joined', worker });
  }

  #workerLost(tracked: Tracked, e: WorkerLostEvent): void {
    const executorId = tracked.info.executorId;
    const worker = this.#workers.get(`${executorId}:${e.workerId}`);
    const reason = e.reason?.message ?? String(e.reason);
    if (worker !== undefined) {
      worker.state = 'lost';
      worker.leftAt = e.time;
      worker.lostReason = reason;
    }
    this.#broadcast({
      type: 'worker-lost',
      executorId,
      workerId: e.workerId,
      time: e.time,
      state: 'lost',
      reason,
    });
    this.#forgetGoneWorkers();
  }

  #taskFinished(tracked: Tracked, e: TaskFinishedEvent): void {
    this.#spans.push(tracked.index, e.workerId, this.#fnId(e.fn), e.start, e.end, e.ok);
    if (e.error === undefined) return;
    const error: TaskErrorInfo = {
      executorId: tracked.info.executorId,
      workerId: e.workerId,
      fn: e.fn,
      time: e.end,
      name: e.error.name,
      message: e.error.message,
    };
    if (e.error.stack !== undefined) error.stack = e.error.stack;
    this.#errors.push(error);
    if (this.#errors.length > this.limits.errors) this.#errors.shift();
    this.#errorsUnsent = Math.min(this.#errorsUnsent + 1, this.limits.errors);
  }

  #fnId(name: string): number {
    // consecutive tasks mostly share a function (and core passes the same string): skip the map
    if (name === this.#lastFn) return this.#lastFnId;
    let id = this.#fnIndex.get(name);
    if (id === undefined) {
      if (this.#fnNames.length >= MAX_FN_NAMES) return this.#fnId('(other)');
      id = this.#fnNames.length;
      this.#fnNames.push(name);
      this.#fnIndex.set(name, id);
    }
    this.#lastFn = name;
    this.#lastFnId = id;
    return id;
  }

  #forgetGoneWorkers(): void {
    let gone = 0;
    for (const w of this.#workers.values()) if (w.state !== 'alive') gone++;
    for (const [key, w] of this.#workers) {
      if (gone <= this.limits.goneWorkers) break;
      if (w.state === 'alive') continue;
      this.#workers.delete(key);
      gone--;
    }
  }

  #startTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#tick(), FLUSH_MS);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    this.#flush();
    const now = Date.now();
    if (now - this.#lastStats < STATS_MS - FLUSH_MS / 2) return;
    this.#lastStats = now;
    for (const t of this.#executors) if (t.info.closedAt === undefined) this.#takeStats(t, now, false);
  }

  /** Pushes what the timer would push next (spans and errors recorded since the last push) now. */
  flushNow(): void {
    this.#flush();
  }

  /** Pushes the spans and errors recorded since the last flush. */
  #flush(): void {
    const total = this.#spans.total;
    if (total > this.#spansSent) {
      if (this.#subscribers.size > 0) {
        const spans = this.#spans.since(this.#spansSent, this.limits.spansPerBatch);
        this.#broadcast({ type: 'spans', spans, dropped: total - this.#spansSent - spans.length });
      }
      this.#spansSent = total;
    }
    if (this.#errorsUnsent > 0) {
      const errors = this.#errors.slice(-Math.min(this.#errorsUnsent, ERRORS_PER_FLUSH));
      this.#errorsUnsent = 0;
      for (const error of errors) this.#broadcast({ type: 'error', error });
    }
  }

  /** Records (and pushes) a stats point when anything changed since the last one, or `force`. */
  #takeStats(t: Tracked, now: number, force: boolean): void {
    let s: ExecutorStats;
    try {
      s = t.source.stats();
    } catch {
      return;
    }
    const last = t.last;
    if (!force && last !== null && unchanged(last, s)) return;
    const point = statsPoint(t.info.executorId, s, now, last, t.lastTime);
    t.last = s;
    t.lastTime = now;
    t.points.push(point);
    if (t.points.length > this.limits.statsPoints) t.points.shift();
    this.#broadcast({ type: 'stats', stats: point });
  }

  #broadcast(message: DashboardMessage): void {
    for (const send of this.#subscribers) send(message);
  }

  /** Stops the timer and forgets the subscribers (the server closes their streams). */
  close(): void {
    this.#stopTimer();
    this.#subscribers.clear();
  }
}
