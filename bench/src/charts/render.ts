/**
 * SVG charts of the bench's results (Vega-Lite, rendered in Node: no browser).
 *
 *   node dist/charts/render.js [FILE ...] [--out=DIR] [--charts=throughput,bandwidth,balance,soak]
 *                              [--throughput=FILE[,FILE]] [--bandwidth=FILE[,FILE]]
 *                              [--balance=FILE[,FILE]] [--soak=FILE[,FILE]] [--results-dir=DIR]
 *
 * Each chart is drawn from the newest results file that has its rows: out of the FILEs given,
 * else out of every dated file in bench/results (latest*.json and --quick runs left out); the
 * soak chart from the newest soak file of each transport. A chart no file has is skipped with
 * a message. --<chart>=FILE,... names that chart's files (merged; a series in several is
 * taken from the newest); a file named so that lacks the chart's rows is an error. Writes
 * <chart>.svg to --out (default docs/images/bench/); each chart's subtitle names its files.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ChartOptions, renderCharts } from './charts.js';
import { CHART_NAMES, type ChartName } from './results.js';

/** The command line as renderCharts options (throws on an unknown argument or chart). */
export function parseChartArgs(argv: readonly string[]): ChartOptions & { help: boolean } {
  const options: ChartOptions & { help: boolean } = { help: false };
  const files: Partial<Record<ChartName, string[]>> = {};
  const results: string[] = [];
  const known = ['out', 'charts', 'results-dir', 'help', ...CHART_NAMES];
  for (const arg of argv) {
    if (arg === '--') continue;
    if (!arg.startsWith('--')) {
      results.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const value = eq === -1 ? '' : arg.slice(eq + 1);
    if (!known.includes(name))
      throw new Error(`unknown argument ${arg}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    if (name === 'help') options.help = true;
    else if (value === '') throw new Error(`${arg} needs a value: --${name}=...`);
    else if (name === 'out') options.outDir = value;
    else if (name === 'results-dir') options.resultsDir = value;
    else if (name === 'charts') {
      const list = value.split(',').filter(Boolean);
      for (const c of list)
        if (!(CHART_NAMES as readonly string[]).includes(c))
          throw new Error(`unknown chart ${c} in --charts; known: ${CHART_NAMES.join(', ')}`);
      options.charts = list as ChartName[];
    } else files[name as ChartName] = value.split(',').filter(Boolean);
  }
  if (results.length > 0) options.results = results;
  if (Object.keys(files).length > 0) options.files = files;
  return options;
}

async function main(): Promise<void> {
  const { help, ...options } = parseChartArgs(process.argv.slice(2));
  if (help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
    return;
  }
  const report = await renderCharts(options);
  for (const s of report.skipped) console.error(`skipped ${s.chart}: ${s.reason}`);
  for (const w of report.written) console.log(`${w.svgFile} (from ${w.sources.join(', ')})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
