import type { ExecutorStats } from '@futures/core';
import type { SettingValue, StatsPoint } from './messages.js';

/** Whether nothing moved between two snapshots of an idle executor (no point is sent then). */
export function unchanged(a: ExecutorStats, b: ExecutorStats): boolean {
  return (
    a.submitted === b.submitted &&
    a.completed === b.completed &&
    a.failed === b.failed &&
    a.cancelled === b.cancelled &&
    a.queued === b.queued &&
    a.running === b.running &&
    a.workers.length === b.workers.length &&
    b.running === 0
  );
}

/** Settings whose name says they are secret: never shown. */
const SECRET_SETTING = /key|secret|token|password|passwd|credential/i;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * A stats point from a snapshot: counters as they are, tasks/s and each worker's utilisation
 * over the time since the previous snapshot (`last`, taken at `lastTime`).
 */
export function statsPoint(
  executorId: string,
  s: ExecutorStats,
  now: number,
  last: ExecutorStats | null,
  lastTime: number,
): StatsPoint {
  const dt = last === null ? 0 : (now - lastTime) / 1000;
  const finished = s.completed + s.failed - (last === null ? 0 : last.completed + last.failed);
  const previousBusy = new Map(last?.workers.map((w) => [w.workerId, w.busyMs]) ?? []);
  return {
    executorId,
    time: now,
    submitted: s.submitted,
    completed: s.completed,
    failed: s.failed,
    cancelled: s.cancelled,
    retried: s.retried,
    queued: s.queued,
    running: s.running,
    tasksPerSecond: dt > 0 ? finished / dt : 0,
    workers: s.workers.map((w) => {
      const before = previousBusy.get(w.workerId);
      const utilization =
        before === undefined || dt <= 0 ? w.utilization : clamp01((w.busyMs - before) / (dt * 1000));
      return { workerId: w.workerId, inFlight: w.inFlight, completed: w.completed, utilization };
    }),
  };
}

/** Settings for display: plain values only, secrets (by name) left out. */
export function shownSettings(settings: Readonly<Record<string, unknown>>): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (SECRET_SETTING.test(name) || value === undefined) continue;
    if (value === null || typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name] = value.join(' ');
  }
  return out;
}
