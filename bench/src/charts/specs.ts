/**
 * The Vega-Lite specs of the charts, one function per chart, from rows the caller has
 * already chosen. Every chart is a facet (one panel per worker count, shape or measure),
 * so a results file with one group and one with several are drawn the same way.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import type { BalanceStyle } from '../peer.js';
import type { Result } from '../report.js';
import type { SoakSeries } from './results.js';

/** What a chart's subtitle says about where its numbers come from: one line per file. */
export type Sources = string[];

const CONFIG: Config = {
  font: 'sans-serif',
  background: 'white',
  padding: 12,
  title: { fontSize: 16, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, gridColor: '#e4e4e4' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 300, orient: 'bottom', columns: 3 },
  header: { labelFontSize: 12, labelFontWeight: 'bold', titleFontSize: 12 },
  view: { stroke: '#ccc' },
};

const KIB = 1024;

/** "1 KiB", "16 MiB": the label of a message size, as the bench's tables write it (Vega expression). */
const SIZE_LABEL_EXPR =
  `datum.value >= ${KIB * KIB} ? format(datum.value / ${KIB * KIB}, '~g') + ' MiB' : ` +
  `datum.value >= ${KIB} ? format(datum.value / ${KIB}, '~g') + ' KiB' : format(datum.value, '~g') + ' B'`;

/** Axis labels: plain numbers up to 9,999, then 10k, 100k, 1M. */
const LOG_LABEL_EXPR = `datum.value >= 10000 ? format(datum.value, '~s') : format(datum.value, ',~g')`;

/** The powers of ten from below the smallest of `xs` to above the largest: a log axis's ticks. */
function decades(xs: readonly number[]): number[] {
  const positive = xs.filter((x) => x > 0);
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

function workersLabel(n: number): string {
  return `${n} worker${n === 1 ? '' : 's'}`;
}

/** Distinct values in first-seen order. */
function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Peer names, futures rows first (as the bench's tables list them), else in first-seen order. */
function peerOrder(names: readonly string[]): string[] {
  const ours = (n: string) => Number(n.startsWith('futures'));
  return distinct(names).sort((a, b) => ours(b) - ours(a));
}

/**
 * Throughput: a horizontal bar per peer and worker count (tasks/s, median), a panel per
 * workload shape: "no-op, chunksize 1, N in flight" for today's files; rows that carry a
 * `shape` (a burst, mixed durations) get their own panel.
 */
export function throughputSpec(rows: readonly Result[], sources: Sources): TopLevelSpec {
  const values = rows.map((r) => ({
    peer: r.peer,
    workers: workersLabel(r.workers),
    shape: r.shape ?? `no-op tasks, chunksize 1, ${r.inFlight.toLocaleString('en-US')} in flight`,
    value: r.value,
  }));
  const workers = distinct(
    [...rows].sort((a, b) => a.workers - b.workers).map((r) => workersLabel(r.workers)),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Throughput: tasks per second, per peer (higher is better)', subtitle: sources },
    config: CONFIG,
    data: { values },
    facet: {
      row: {
        field: 'shape',
        type: 'nominal',
        title: null,
        header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' },
      },
    },
    spec: {
      width: 560,
      height: { step: 14 }, // per bar (the offset channel's step)
      encoding: {
        y: { field: 'peer', type: 'nominal', sort: peerOrder(values.map((v) => v.peer)), title: null },
        yOffset: { field: 'workers', type: 'nominal', sort: workers },
        x: {
          field: 'value',
          type: 'quantitative',
          title: 'tasks/s (median of the repetitions)',
          axis: { labelExpr: LOG_LABEL_EXPR },
        },
      },
      layer: [
        {
          mark: { type: 'bar', height: { band: 1 } },
          encoding: {
            color: { field: 'workers', type: 'nominal', sort: workers, title: 'workers' },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#333' },
          encoding: { text: { field: 'value', type: 'quantitative', format: ',.0f' } },
        },
      ],
    },
  };
}

/**
 * Bandwidth: echo MB/s against the message size, both axes logarithmic, a point per
 * measured size and a line per peer, a panel per worker count. A peer's copy and transfer
 * rows ("futures-shm", "futures-shm (transfer)") share a colour; transfer lines are dashed.
 */
export function bandwidthSpec(rows: readonly Result[], sources: Sources): TopLevelSpec {
  const values = rows.map((r) => ({
    peer: r.semantics === 'transfer' ? r.peer.replace(/ \((transfer|move)\)$/, '') : r.peer,
    semantics: r.semantics,
    workers: workersLabel(r.workers),
    size: r.size,
    value: r.value,
  }));
  const sizes = distinct(rows.map((r) => r.size!)).sort((a, b) => a - b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Bandwidth: echo a Uint8Array, MB/s per message size (higher is better)',
      subtitle: [
        ...sources,
        'solid: copied (the caller keeps its buffer); dashed: moved there and back (transfer(), Piscina.move)',
      ],
    },
    config: CONFIG,
    data: { values },
    facet: {
      column: {
        field: 'workers',
        type: 'nominal',
        title: null,
        sort: distinct([...rows].sort((a, b) => a.workers - b.workers).map((r) => workersLabel(r.workers))),
      },
    },
    spec: {
      width: 340,
      height: 300,
      mark: { type: 'line', point: { filled: true, size: 36 }, strokeWidth: 1.8 },
      encoding: {
        x: {
          field: 'size',
          type: 'quantitative',
          title: 'message size (log scale)',
          scale: { type: 'log', base: 2, domain: [sizes[0]!, sizes.at(-1)!], nice: false },
          axis: { values: sizes, labelExpr: SIZE_LABEL_EXPR, labelFlush: true, grid: true },
        },
        y: {
          field: 'value',
          type: 'quantitative',
          title: 'MB/s, 1 MB = 10^6 bytes (log scale)',
          scale: { type: 'log' },
          axis: { values: decades(values.map((v) => v.value)), labelExpr: LOG_LABEL_EXPR },
        },
        color: {
          field: 'peer',
          type: 'nominal',
          sort: peerOrder(values.map((v) => v.peer)),
          title: 'peer',
          legend: { symbolType: 'stroke', symbolStrokeWidth: 3 },
        },
        // (its legend would draw no line: Vega-Lite makes a strokeDash legend's stroke
        // transparent; the subtitle says what dashed means)
        strokeDash: { field: 'semantics', type: 'nominal', sort: ['copy', 'transfer'], legend: null },
      },
    },
  };
}

/** Short row labels (the legend says what each means). */
const STYLE_LABEL: Record<BalanceStyle, string> = { submit: 'submit', map: 'map', run: 'run()' };
const STYLE_LEGEND: Record<BalanceStyle, string> = {
  submit: 'submit: every task at once',
  map: 'map: chunksize 1',
  run: 'run(): a burst (no map)',
};

/**
 * Balance: a dot per peer and submission style at its median efficiency (ideal makespan /
 * measured), a line from it to the worst repetition, a panel per shape. The axis starts near
 * the worst figure, not at 0: the differences that matter are a few hundredths.
 */
export function balanceSpec(rows: readonly Result[], sources: Sources): TopLevelSpec {
  const values = rows.map((r) => ({
    row: `${r.peer} · ${STYLE_LABEL[r.style ?? 'submit']}`,
    style: STYLE_LEGEND[r.style ?? 'submit'],
    shape: `${r.shape ?? '?'} (ideal ${Math.round(r.idealMs ?? 0)} ms)`,
    value: r.value,
    worst: Math.min(...r.reps),
  }));
  const low = Math.min(0.9, Math.floor(Math.min(...values.map((v) => v.worst)) * 20) / 20);
  const workers = distinct(rows.map((r) => r.workers)).sort((a, b) => a - b);
  const color = {
    field: 'style',
    type: 'nominal',
    title: 'style',
    sort: Object.values(STYLE_LEGEND),
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Load balance: efficiency = ideal makespan / measured, ${workers.map(workersLabel).join(', ')} (1.0 is perfect)`,
      subtitle: [...sources, 'dot: median of the repetitions; line: down to the worst repetition'],
    },
    config: CONFIG,
    data: { values },
    facet: {
      column: { field: 'shape', type: 'nominal', title: null, sort: distinct(values.map((v) => v.shape)) },
    },
    spec: {
      width: 260,
      height: { step: 22 },
      encoding: {
        y: {
          field: 'row',
          type: 'nominal',
          sort: peerOrder(values.map((v) => v.row)),
          title: null,
          axis: { labelLimit: 400 },
        },
        x: {
          field: 'value',
          type: 'quantitative',
          title: 'efficiency',
          scale: { domain: [low, 1], nice: false, zero: false, clamp: true },
          axis: { format: '.2f', tickCount: 5 },
        },
      },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2, opacity: 0.7 }, encoding: { x2: { field: 'worst' }, color } },
        { mark: { type: 'point', filled: true, size: 70, opacity: 1 }, encoding: { color } },
        {
          mark: { type: 'text', align: 'left', dx: 7, fontSize: 10, color: '#333' },
          encoding: { text: { field: 'value', type: 'quantitative', format: '.2f' } },
        },
      ],
    },
  };
}

/** The soak's transports in the order the bench runs them (others after, by name). */
const SOAK_ORDER = ['shm', 'zmq', 'mpi'];
const SOAK_MEASURES = ['RSS (MB)', 'heapUsed (MB)', "workers' ArrayBuffers (MB)"];

/**
 * Soak: against tasks done, the controller's RSS and heapUsed and the workers' ArrayBuffers
 * (MB), a line per transport. The reading after shutdown is left out (same task count).
 */
export function soakSpec(unordered: readonly SoakSeries[], sources: Sources): TopLevelSpec {
  const rank = (s: SoakSeries) => {
    const i = SOAK_ORDER.indexOf(s.transport);
    return i === -1 ? SOAK_ORDER.length : i;
  };
  const series = [...unordered].sort((a, b) => rank(a) - rank(b) || a.label.localeCompare(b.label));
  const unprobed = series
    .filter((s) => !s.rows.some((r) => typeof r.workerArrayBuffersMB === 'number'))
    .map((s) => s.label);
  const values = series.flatMap((s) =>
    s.rows
      .filter((r) => r.phase !== 'after shutdown')
      .flatMap((r) => {
        const at = { series: s.label, tasks: r.tasks / 1e6, phase: r.phase };
        const points = [
          { ...at, measure: SOAK_MEASURES[0]!, mb: r.rssMB },
          { ...at, measure: SOAK_MEASURES[1]!, mb: r.heapUsedMB },
        ];
        // (files from before the probe recorded ArrayBuffers have no such field)
        if (r.workersProbed > 0 && typeof r.workerArrayBuffersMB === 'number')
          points.push({ ...at, measure: SOAK_MEASURES[2]!, mb: r.workerArrayBuffersMB });
        return points;
      }),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Soak: memory per million no-op tasks, 2 workers (flat is good)',
      subtitle: [
        ...sources,
        'first half pool.map (chunksize 1000), second half submit() in windows; a reading every million tasks;',
        "RSS and heapUsed: the controller process (heapUsed after a full GC only for --gc runs); ArrayBuffers: the workers'",
        ...(unprobed.length > 0 ? [`(no workers' ArrayBuffers recorded for ${unprobed.join(', ')})`] : []),
      ],
    },
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: SOAK_MEASURES } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 240,
      mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 1.8 },
      encoding: {
        x: { field: 'tasks', type: 'quantitative', title: 'tasks done (millions)', axis: { tickMinStep: 1 } },
        y: { field: 'mb', type: 'quantitative', title: 'MB (MiB)', scale: { zero: true } },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'transport',
          sort: distinct(series.map((s) => s.label)),
        },
      },
    },
  };
}
