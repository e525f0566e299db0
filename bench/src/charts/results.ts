/**
 * Reading the bench's results files for the charts, and choosing which file each chart is
 * drawn from. Two kinds of file: a run of run.ts (`results[]`: throughput, bandwidth and
 * balance rows) and a soak (`runs[]`: one per transport, a row per checkpoint).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Result } from '../report.js';
import type { SoakRow } from '../soak-report.js';

/** The charts, in the order they are drawn; each is written to `<name>.svg`. */
export const CHART_NAMES = ['throughput', 'bandwidth', 'balance', 'soak'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** A results file as the charts need it: where it is, when it ran, and its rows. */
export interface ResultsFile {
  /** Absolute path. */
  file: string;
  /** ISO date of the run (the file's `date`; its modification time if it has none). */
  date: string;
  quick: boolean;
  /** Rows of a run.ts file (empty for a soak file). */
  results: Result[];
  /** Transports of a soak file (empty for a run.ts file). */
  soak: SoakSeries[];
}

/** One transport of one soak file. */
export interface SoakSeries {
  /** The series' label: the transport, and what the run changed (`shm --gc`, `MALLOC_ARENA_MAX=2`). */
  label: string;
  transport: string;
  rows: SoakRow[];
}

/** A results file that cannot be drawn: unreadable, not a bench file, or lacking a chart's rows. */
export class ChartDataError extends Error {
  override readonly name = 'ChartDataError';
  readonly code = 'ERR_FUTURES_BENCH_CHART_DATA';
}

interface RawFile {
  date?: unknown;
  settings?: { quick?: unknown; gc?: unknown };
  env?: { MALLOC_ARENA_MAX?: unknown };
  results?: unknown;
  runs?: unknown;
}

/** Reads one results file; throws ChartDataError naming the file when it is not one. */
export function loadResults(file: string): ResultsFile {
  const abs = path.resolve(file);
  let raw: RawFile;
  try {
    raw = JSON.parse(fs.readFileSync(abs, 'utf8')) as RawFile;
  } catch (error) {
    throw new ChartDataError(`cannot read results file ${abs}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const isRun = Array.isArray(raw.results);
  const isSoak = Array.isArray(raw.runs);
  if (raw === null || typeof raw !== 'object' || (!isRun && !isSoak))
    throw new ChartDataError(
      `${abs} is not a bench results file: it has neither "results" (node dist/run.js) nor "runs" (--workload=soak)`,
    );
  const soak: SoakSeries[] = [];
  if (isSoak) {
    const tags = [
      raw.settings?.gc === true ? '--gc' : '',
      typeof raw.env?.MALLOC_ARENA_MAX === 'string' ? `MALLOC_ARENA_MAX=${raw.env.MALLOC_ARENA_MAX}` : '',
    ].filter(Boolean);
    for (const run of raw.runs as { transport: string; rows: SoakRow[]; error?: string }[]) {
      if (run.error !== undefined || run.rows.length === 0) continue; // a failed transport: nothing to draw
      soak.push({ label: [run.transport, ...tags].join(' '), transport: run.transport, rows: run.rows });
    }
  }
  return {
    file: abs,
    date: typeof raw.date === 'string' ? raw.date : fs.statSync(abs).mtime.toISOString(),
    quick: raw.settings?.quick === true,
    results: isRun ? (raw.results as Result[]) : [],
    soak,
  };
}

/** Whether `f` has the rows `chart` is drawn from. */
export function hasChart(f: ResultsFile, chart: ChartName): boolean {
  return chart === 'soak' ? f.soak.length > 0 : f.results.some((r) => r.workload === chart);
}

/**
 * Every results file in `dir` worth a default chart, newest first: `latest*.json` are left
 * out (copies of a dated file) and so are `--quick` runs (one repetition, few tasks).
 */
export function scanResults(dir: string): ResultsFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('latest'))
    .map((f) => loadResults(path.join(dir, f)))
    .filter((f) => !f.quick)
    .sort((a, b) => b.date.localeCompare(a.date));
}

/**
 * The files a chart is drawn from by default, out of `candidates` (newest first): the newest
 * that has the chart's rows; for the soak, the newest file of each transport (a soak run
 * usually measures one transport), so shm, zmq and mpi share one chart.
 */
export function pickDefault(candidates: readonly ResultsFile[], chart: ChartName): ResultsFile[] {
  const having = candidates.filter((f) => hasChart(f, chart));
  if (chart !== 'soak') return having.slice(0, 1);
  const picked: ResultsFile[] = [];
  const seen = new Set<string>();
  for (const f of having) {
    const fresh = f.soak.filter((s) => !seen.has(s.transport));
    if (fresh.length === 0) continue;
    for (const s of fresh) seen.add(s.transport);
    picked.push({ ...f, soak: fresh });
  }
  return picked;
}

/**
 * The rows of `chart` from `files` (in the order given). A series found in several files
 * (the same key) is taken from the newest one, so a rerun of one peer replaces its old row.
 */
export function mergeRows(files: readonly ResultsFile[], chart: Exclude<ChartName, 'soak'>): Result[] {
  const byKey = new Map<string, { date: string; row: Result }>();
  for (const f of files) {
    for (const row of f.results) {
      if (row.workload !== chart) continue;
      const key = [row.peer, row.workers, row.size ?? '', row.shape ?? '', row.style ?? ''].join('\u0000');
      const prev = byKey.get(key);
      if (prev === undefined || prev.date <= f.date) byKey.set(key, { date: f.date, row });
    }
  }
  return [...byKey.values()].map((v) => v.row);
}

/** The soak series of `files`; a label found in several files is taken from the newest. */
export function mergeSoak(files: readonly ResultsFile[]): SoakSeries[] {
  const byLabel = new Map<string, { date: string; series: SoakSeries }>();
  for (const f of files)
    for (const s of f.soak) {
      const prev = byLabel.get(s.label);
      if (prev === undefined || prev.date <= f.date) byLabel.set(s.label, { date: f.date, series: s });
    }
  return [...byLabel.values()].map((v) => v.series);
}
