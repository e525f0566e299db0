import type { FinalSummary, ProgressView, WorkerView } from './model.js';

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  return perSecond >= 100 ? String(Math.round(perSecond)) : perSecond.toFixed(1);
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - m * 60)).padStart(2, '0')}s`;
}

const percent = (x: number): string => `${Math.round(x * 100)}%`;

function utilisationOf(workers: readonly WorkerView[]): number {
  return workers.length === 0 ? 0 : workers.reduce((a, w) => a + w.utilisation, 0) / workers.length;
}

/** The task counters of a view, e.g. "37/100 done, 0 failed, 0 cancelled". */
export function formatCounts(v: ProgressView): string {
  const finished = v.completed + v.failed + v.cancelled;
  let text = `${finished}/${v.submitted} done, ${v.failed} failed`;
  if (v.cancelled > 0) text += `, ${v.cancelled} cancelled`;
  if (v.retried > 0) text += `, ${v.retried} retried`;
  return text;
}

const MAX_WORKERS_IN_LINE = 8;

/** One plain progress line (for logs and pipes). */
export function formatLine(v: ProgressView): string {
  const parts = [
    `futures: ${formatCounts(v)}`,
    `${formatRate(v.rate)} tasks/s`,
    `queue ${v.queued}, running ${v.running}`,
  ];
  if (v.workers.length > 0) {
    const shown = v.workers
      .slice(0, MAX_WORKERS_IN_LINE)
      .map((w) => `${w.label} ${percent(w.utilisation)}`)
      .join(' ');
    const more =
      v.workers.length > MAX_WORKERS_IN_LINE ? ` +${v.workers.length - MAX_WORKERS_IN_LINE} more` : '';
    parts.push(`${v.workers.length} workers, util ${percent(utilisationOf(v.workers))} (${shown}${more})`);
  }
  parts.push(formatDuration(v.uptimeMs));
  return parts.join(' | ');
}

/** The line printed when an executor has shut down. */
export function formatFinal(f: FinalSummary): string {
  const s = f.stats;
  const finished = s.completed + s.failed + s.cancelled;
  let text =
    `futures: ${f.transport} executor finished ${finished} tasks ` +
    `(${s.completed} ok, ${s.failed} failed, ${s.cancelled} cancelled`;
  if (s.retried > 0) text += `, ${s.retried} retried`;
  return `${text}) in ${formatDuration(s.uptimeMs)}, ${formatRate(f.rate)} tasks/s`;
}

/** The header text beside the overall bar of the terminal view. */
export function formatHeader(v: ProgressView): string {
  return `${formatCounts(v)} | ${formatRate(v.rate)} tasks/s | queue ${v.queued} | running ${v.running} | ${formatDuration(v.uptimeMs)}`;
}

export function formatWorker(w: WorkerView): string {
  return `${percent(w.utilisation).padStart(4)} busy | ${w.completed} done | ${w.inFlight} in flight`;
}

export function formatOthers(rest: readonly WorkerView[]): string {
  const done = rest.reduce((a, w) => a + w.completed, 0);
  return `${percent(utilisationOf(rest)).padStart(4)} busy | ${done} done | ${rest.length} more workers`;
}

export { utilisationOf };
