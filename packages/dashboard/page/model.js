// The page's state: what the server said (see src/messages.ts for the protocol), per executor,
// kept bounded (a window of recent spans, samples, errors and events) so that a page left open
// on a long run stays small.

/** Spans kept per executor for the task stream. */
export const MAX_SPANS = 2000;
/** The task stream shows tasks that ended within this many seconds of the latest one. */
export const STREAM_WINDOW_S = 60;
/** Stats points kept per executor (the server sends one about every 500 ms: 5 minutes). */
export const MAX_SAMPLES = 600;
export const MAX_ERRORS = 50;
export const MAX_EVENTS = 100;

/** One executor's state on the page. */
export class ExecutorModel {
  /** @param {import('../src/messages.js').ExecutorInfo} info */
  constructor(info) {
    this.info = info;
    /** workerId → WorkerInfo plus the latest load (inFlight, completed, utilization). */
    this.workers = new Map();
    this.spans = [];
    this.samples = [];
    this.errors = [];
    /** Workers joining and lost: `{ time, kind: 'joined'|'lost'|'stopped', workerId, text }`. */
    this.events = [];
    /** The latest stats point, or undefined before the first. */
    this.stats = undefined;
    /** Raised on every change of `errors` / `events`, so the view redraws those lists only then. */
    this.errorsVersion = 0;
    this.eventsVersion = 0;
  }

  /** Seconds since this executor started, for chart axes. */
  seconds(time) {
    return (time - this.info.startedAt) / 1000;
  }

  setInfo(info) {
    this.info = info;
  }

  close(time, broken) {
    this.info = { ...this.info, closedAt: time };
    if (broken !== undefined) this.broken = broken;
  }

  workerJoined(worker, announce) {
    const known = this.workers.get(worker.workerId);
    this.workers.set(worker.workerId, { inFlight: 0, completed: 0, utilization: 0, ...known, ...worker });
    if (announce) this.#event(worker.joinedAt, 'joined', worker.workerId, describeWorker(worker));
    // Workers that already left when the page connected show their departure too.
    if (!announce && worker.state !== 'alive' && worker.leftAt !== undefined) {
      this.#event(worker.leftAt, worker.state, worker.workerId, worker.lostReason ?? '');
    }
  }

  workerLeft(workerId, time, state, reason) {
    const worker = this.workers.get(workerId);
    if (worker !== undefined) {
      worker.state = state;
      worker.leftAt = time;
      if (reason !== undefined) worker.lostReason = reason;
      worker.inFlight = 0;
      worker.utilization = 0;
    }
    this.#event(time, state, workerId, reason ?? '');
  }

  addSpan(span) {
    this.spans.push(span);
    if (this.spans.length > MAX_SPANS * 1.25) this.spans.splice(0, this.spans.length - MAX_SPANS);
  }

  /** The spans inside the task stream's window, with times in seconds since the start. */
  recentSpans() {
    let latest = 0;
    for (const span of this.spans) if (span.end > latest) latest = span.end;
    const from = latest - STREAM_WINDOW_S * 1000;
    const out = [];
    const first = Math.max(0, this.spans.length - MAX_SPANS);
    for (let i = first; i < this.spans.length; i++) {
      const span = this.spans[i];
      if (span.end < from) continue;
      out.push({
        workerId: span.workerId,
        fn: span.fn,
        start: this.seconds(span.start),
        end: this.seconds(span.end),
        ok: span.ok,
      });
    }
    return out;
  }

  addStats(point) {
    this.stats = point;
    this.samples.push({
      t: this.seconds(point.time),
      rate: point.tasksPerSecond,
      queued: point.queued,
      running: point.running,
    });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
    for (const load of point.workers) {
      const worker = this.workers.get(load.workerId);
      if (worker === undefined) continue;
      worker.inFlight = load.inFlight;
      worker.completed = load.completed;
      worker.utilization = load.utilization;
    }
  }

  addError(error) {
    this.errors.push(error);
    this.errorsVersion++;
    if (this.errors.length > MAX_ERRORS) this.errors.splice(0, this.errors.length - MAX_ERRORS);
  }

  /** Workers in lane order: by id (ids grow as workers join). */
  lanes() {
    return [...this.workers.values()]
      .sort((a, b) => a.workerId - b.workerId)
      .map((worker) => ({ id: worker.workerId, label: laneLabel(worker) }));
  }

  aliveWorkers() {
    let n = 0;
    for (const worker of this.workers.values()) if (worker.state === 'alive') n++;
    return n;
  }

  #event(time, kind, workerId, text) {
    this.events.push({ time, kind, workerId, text });
    this.eventsVersion++;
    this.events.sort((a, b) => a.time - b.time);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }
}

/** "w1 rank 2", "w1 thread 3" or "w1 pid 1234": what a task-stream lane is called. */
export function laneLabel(worker) {
  const name = worker.label ?? (worker.threadId ? `thread ${worker.threadId}` : `pid ${worker.pid}`);
  return `w${worker.workerId} ${name}`;
}

/** "worker 1 on host (pid 1234, rank 2)": how the event log names a worker. */
export function describeWorker(worker) {
  const extra = [`pid ${worker.pid}`];
  if (worker.threadId) extra.push(`thread ${worker.threadId}`);
  if (worker.label) extra.push(worker.label);
  return `on ${worker.host} (${extra.join(', ')})`;
}

/** The whole page's state: executors by id, in the order they attached. */
export class DashboardModel {
  constructor() {
    this.executors = new Map();
    this.program = undefined;
    /** Spans the server left out of `spans` batches at high task rates (the stream is a sample then). */
    this.droppedSpans = 0;
  }

  /** Applies one server message; returns the ids of the executors it changed. */
  apply(message) {
    switch (message.type) {
      case 'hello':
        return this.#hello(message);
      case 'executor': {
        const known = this.executors.get(message.executor.executorId);
        if (known) known.setInfo(message.executor);
        else this.executors.set(message.executor.executorId, new ExecutorModel(message.executor));
        return [message.executor.executorId];
      }
      case 'executor-closed':
        this.executors.get(message.executorId)?.close(message.time, message.broken);
        return [message.executorId];
      case 'worker-joined':
        this.executors.get(message.worker.executorId)?.workerJoined(message.worker, true);
        return [message.worker.executorId];
      case 'worker-lost':
        this.executors
          .get(message.executorId)
          ?.workerLeft(message.workerId, message.time, message.state, message.reason);
        return [message.executorId];
      case 'stats':
        this.executors.get(message.stats.executorId)?.addStats(message.stats);
        return [message.stats.executorId];
      case 'spans': {
        this.droppedSpans += message.dropped ?? 0;
        const changed = new Set();
        for (const span of message.spans) {
          this.executors.get(span.executorId)?.addSpan(span);
          changed.add(span.executorId);
        }
        return [...changed];
      }
      case 'error':
        this.executors.get(message.error.executorId)?.addError(message.error);
        return [message.error.executorId];
      default:
        // A newer server's message this page does not know: ignore it rather than fail.
        return [];
    }
  }

  #hello(message) {
    // A (re)connection sends everything again: replace, do not merge.
    this.executors.clear();
    this.droppedSpans = 0;
    this.program = message.program;
    for (const info of message.executors) this.executors.set(info.executorId, new ExecutorModel(info));
    for (const worker of message.workers) this.executors.get(worker.executorId)?.workerJoined(worker, false);
    for (const executor of this.executors.values()) {
      for (const worker of executor.workers.values()) {
        executor.events.push({
          time: worker.joinedAt,
          kind: 'joined',
          workerId: worker.workerId,
          text: describeWorker(worker),
        });
        executor.eventsVersion++;
      }
      executor.events.sort((a, b) => a.time - b.time);
    }
    for (const span of message.spans) this.executors.get(span.executorId)?.addSpan(span);
    for (const error of message.errors) this.executors.get(error.executorId)?.addError(error);
    for (const point of message.stats) this.executors.get(point.executorId)?.addStats(point);
    return [...this.executors.keys()];
  }

  /** Whether every executor has shut down (or broken). */
  allClosed() {
    for (const executor of this.executors.values()) if (executor.info.closedAt === undefined) return false;
    return true;
  }

  totals() {
    let workers = 0;
    let completed = 0;
    let failed = 0;
    for (const executor of this.executors.values()) {
      workers += executor.aliveWorkers();
      completed += executor.stats?.completed ?? 0;
      failed += executor.stats?.failed ?? 0;
    }
    return { executors: this.executors.size, workers, completed, failed };
  }
}
