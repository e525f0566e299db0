import { isMainThread } from 'node:worker_threads';
import type { ExecutorStats } from './stats.js';

/**
 * Progress reporting to a supervising process (the `futures run --progress` view).
 *
 * The supervisor starts the program with an IPC channel and sets FUTURES_PROGRESS to its
 * own pid. Each executor of that program then sends `stats()` snapshots over the channel
 * every FUTURES_PROGRESS_INTERVAL ms (default 200) on an unref'd timer (it never keeps the
 * process alive), and a final one when it shuts down or the process exits. Nothing is sent
 * when the variable is unset, when there is no channel, or when the parent is another
 * process (a grandchild that inherited the variable).
 *
 * When the supervisor runs the program in its own process (an MPI rank 0 started by the
 * launcher), it installs a function at `globalThis[Symbol.for('futures.progress.sink')]`
 * instead; the snapshots go to it.
 */

/** One message on the IPC channel. */
export interface ProgressMessage {
  type: 'futures:stats';
  /** Format version of this message. */
  v: 1;
  /** Unique per executor: `<pid>:<n>`. */
  id: string;
  transport: string;
  /** True for the last snapshot of this executor. */
  final: boolean;
  stats: ExecutorStats;
}

/** Whether `m` (from an IPC channel: anything) is a ProgressMessage. */
export function isProgressMessage(m: unknown): m is ProgressMessage {
  const x = m as Partial<ProgressMessage> | null;
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

export interface ProgressReporter {
  /** Sends the final snapshot and stops the timer. Idempotent. */
  stop(): void;
}

interface StatsSource {
  stats(): ExecutorStats;
  readonly transportName: string;
}

const DEFAULT_INTERVAL_MS = 200;
const SINK = Symbol.for('futures.progress.sink');

type Sink = (message: ProgressMessage) => void;

function inProcessSink(): Sink | null {
  const sink = (globalThis as Record<symbol, unknown>)[SINK];
  return typeof sink === 'function' ? (sink as Sink) : null;
}
let counter = 0;
const live = new Set<() => void>();
let exitHookInstalled = false;

function enabled(environment: Readonly<Record<string, string | undefined>>): boolean {
  if (inProcessSink() !== null) return isMainThread;
  const want = environment.FUTURES_PROGRESS;
  if (!want || want === '0' || !isMainThread) return false;
  if (typeof process.send !== 'function' || !process.connected) return false;
  // "1" accepts any supervising parent; a pid accepts only that parent.
  return want === '1' || Number(want) === process.ppid;
}

/** Starts reporting `source`'s stats when a supervisor asked for it; null otherwise. */
export function startProgressReport(
  source: StatsSource,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): ProgressReporter | null {
  if (!enabled(environment)) return null;
  const id = `${process.pid}:${++counter}`;
  const every = Number(environment.FUTURES_PROGRESS_INTERVAL);
  const intervalMs = Number.isFinite(every) && every >= 10 ? every : DEFAULT_INTERVAL_MS;
  let stopped = false;
  const sink = inProcessSink();
  const send = (final: boolean): void => {
    if (sink === null && !process.connected) return;
    let stats: ExecutorStats;
    try {
      stats = source.stats();
    } catch {
      return;
    }
    const message: ProgressMessage = {
      type: 'futures:stats',
      v: 1,
      id,
      transport: source.transportName,
      final,
      stats,
    };
    if (sink !== null) {
      try {
        sink(message);
      } catch {}
      return;
    }
    // the callback keeps a closed channel from becoming an 'error' event on process
    process.send!(message, undefined, undefined, () => {});
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    live.delete(stop);
    send(true);
  };
  const timer = setInterval(() => send(false), intervalMs);
  timer.unref();
  live.add(stop);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const s of [...live]) s();
    });
  }
  send(false);
  return { stop };
}
