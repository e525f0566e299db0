/**
 * Renders the bench's results as SVG charts: a Vega-Lite spec per chart (specs.ts), compiled
 * to Vega and drawn by Vega's headless SVG renderer (no canvas, no browser).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import {
  CHART_NAMES,
  ChartDataError,
  type ChartName,
  hasChart,
  loadResults,
  mergeRows,
  mergeSoak,
  pickDefault,
  type ResultsFile,
  scanResults,
} from './results.js';
import { balanceSpec, bandwidthSpec, soakSpec, throughputSpec } from './specs.js';

/** The repository root (this file is bench/src/charts/ or bench/dist/charts/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where run.ts writes its results. */
export const DEFAULT_RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
/** Where the docs read the charts from. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'docs', 'images', 'bench');

export interface ChartOptions {
  /**
   * Results files to choose from: each chart is drawn from the newest of them that has its
   * rows (the soak: the newest of each transport); a chart none of them has is skipped.
   * @default every dated file in `resultsDir` except `--quick` runs
   */
  results?: readonly string[];
  /**
   * Files for one chart, merged (a series in several files is taken from the newest). Every
   * file named here must have the chart's rows: one that has none throws ChartDataError.
   * @default chosen from `results`
   */
  files?: Partial<Record<ChartName, readonly string[]>>;
  /** @default every chart */
  charts?: readonly ChartName[];
  /** @default bench/results */
  resultsDir?: string;
  /** Where `<chart>.svg` is written (created if missing). @default docs/images/bench */
  outDir?: string;
  /** Paths in the charts' subtitles are written relative to this. @default the repository root */
  relativeTo?: string;
}

export interface RenderedChart {
  chart: ChartName;
  /** The SVG written. */
  svgFile: string;
  /** The results files it was drawn from. */
  sources: string[];
}

export interface RenderReport {
  written: RenderedChart[];
  /** Charts not drawn, and why (e.g. no file has bandwidth rows). */
  skipped: { chart: ChartName; reason: string }[];
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The chart's title and subtitle lines, as text. */
function titleText(spec: TopLevelSpec): { title: string; desc: string } {
  const lines = (x: unknown): string => (Array.isArray(x) ? x.join('\n') : typeof x === 'string' ? x : '');
  const t = spec.title;
  if (t === undefined || typeof t === 'string' || Array.isArray(t)) return { title: lines(t), desc: '' };
  return { title: lines(t.text), desc: lines(t.subtitle) };
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string with Vega's headless renderer;
 * the root gets a <title> and <desc> (the chart's title and subtitle: its accessible name,
 * shown as a tooltip by browsers). Generated charts are left out of the linter (biome.json).
 */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const { title, desc } = titleText(spec);
  const open = svg.indexOf('>', svg.indexOf('<svg')) + 1;
  const accessible =
    (title === '' ? '' : `<title>${escapeXml(title)}</title>`) +
    (desc === '' ? '' : `<desc>${escapeXml(desc)}</desc>`);
  return `${svg.slice(0, open)}${accessible}${svg.slice(open)}`;
}

/** "from bench/results/X.json (run 2026-12-03 16:01 UTC)": a subtitle line per file (absolute outside `relativeTo`). */
function sourceLine(f: ResultsFile, relativeTo: string): string {
  const when = f.date.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  const rel = path.relative(relativeTo, f.file);
  return `from ${rel.startsWith('..') ? f.file : rel} (run ${when})`;
}

function specOf(chart: ChartName, files: ResultsFile[], sources: string[]): TopLevelSpec {
  switch (chart) {
    case 'throughput':
      return throughputSpec(mergeRows(files, 'throughput'), sources);
    case 'bandwidth':
      return bandwidthSpec(mergeRows(files, 'bandwidth'), sources);
    case 'balance':
      return balanceSpec(mergeRows(files, 'balance'), sources);
    case 'soak':
      return soakSpec(mergeSoak(files), sources);
  }
}

const WHAT: Record<ChartName, string> = {
  throughput: 'throughput rows (node dist/run.js --workload=throughput)',
  bandwidth: 'bandwidth rows (node dist/run.js --workload=bandwidth)',
  balance: 'balance rows (node dist/run.js --workload=balance)',
  soak: 'soak runs (node dist/run.js --workload=soak)',
};

/**
 * Draws each chart from its results files and writes `<chart>.svg` to `outDir`. A chart
 * whose data no candidate file has is skipped (listed in `skipped`); a file named for a
 * chart in `files` that lacks its rows throws ChartDataError, as does drawing nothing at all.
 */
export async function renderCharts(options: ChartOptions = {}): Promise<RenderReport> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const relativeTo = options.relativeTo ?? REPO_ROOT;
  const charts = options.charts ?? CHART_NAMES;
  for (const c of charts)
    if (!CHART_NAMES.includes(c))
      throw new RangeError(`unknown chart "${c}" in charts; known: ${CHART_NAMES.join(', ')}`);
  let candidates: ResultsFile[] | undefined;
  const pool = (): ResultsFile[] => {
    candidates ??=
      options.results === undefined
        ? scanResults(options.resultsDir ?? DEFAULT_RESULTS_DIR)
        : options.results.map(loadResults).sort((a, b) => b.date.localeCompare(a.date));
    return candidates;
  };
  // files named for a chart are checked before anything is written
  const named = new Map<ChartName, ResultsFile[]>();
  for (const chart of charts) {
    const list = options.files?.[chart];
    if (list === undefined || list.length === 0) continue;
    const files = list.map(loadResults);
    for (const f of files)
      if (!hasChart(f, chart)) throw new ChartDataError(`${f.file} has no ${WHAT[chart]}`);
    named.set(chart, files);
  }
  const report: RenderReport = { written: [], skipped: [] };
  for (const chart of charts) {
    let files = named.get(chart);
    if (files === undefined) {
      files = pickDefault(pool(), chart);
      if (files.length === 0) {
        const where =
          options.results === undefined
            ? `no results file in ${options.resultsDir ?? DEFAULT_RESULTS_DIR} (quick runs and latest*.json left out)`
            : `none of ${options.results.join(', ')}`;
        report.skipped.push({ chart, reason: `${where} has ${WHAT[chart]}` });
        continue;
      }
    }
    const sources = files.map((f) => sourceLine(f, relativeTo));
    const svg = await toSvg(specOf(chart, files, sources));
    fs.mkdirSync(outDir, { recursive: true });
    const svgFile = path.join(outDir, `${chart}.svg`);
    fs.writeFileSync(svgFile, svg.endsWith('\n') ? svg : `${svg}\n`);
    report.written.push({ chart, svgFile, sources: files.map((f) => f.file) });
  }
  if (report.written.length === 0)
    throw new ChartDataError(
      `no chart drawn: ${report.skipped.map((s) => `${s.chart}: ${s.reason}`).join('; ')}`,
    );
  return report;
}
