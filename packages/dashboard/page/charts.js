// The two ECharts charts of an executor's section: the task stream (a custom series, one lane
// per worker, a bar per task from start to end, one series per task function so that the
// legend names the colours) and tasks/s, queue length and running count over time.
// ECharts comes from assets/echarts.min.js (a classic script: it sets globalThis.echarts).

const echarts = globalThis.echarts;

/** Colours for task functions, in order of first appearance (readable on white). */
const PALETTE = [
  '#2f5fb3',
  '#d9822b',
  '#2a9d6f',
  '#b8437a',
  '#7a5cc4',
  '#8a6d1f',
  '#1b8fa8',
  '#c4453c',
  '#5f7f2a',
  '#6b6b6b',
];

const TEXT = '#1c2330';
const MUTED = '#5b6474';
const GRID_LINE = '#e3e6eb';

/** Seconds, formatted for an axis: as many decimals as the tick needs (up to ms). */
function secondsLabel(value) {
  return `${Number(value.toFixed(3))}s`;
}

/** Draws one task: a rectangle from its start to its end on its worker's lane. */
function renderSpan(params, api) {
  const lane = api.value(0);
  const from = api.coord([api.value(1), lane]);
  const to = api.coord([api.value(2), lane]);
  const height = api.size([0, 1])[1] * 0.62;
  const system = params.coordSys;
  const shape = echarts.graphic.clipRectByRect(
    // At least 2 px wide, so that microsecond tasks are still seen.
    { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 2), height },
    { x: system.x, y: system.y, width: system.width, height: system.height },
  );
  if (!shape) return null;
  const failed = api.value(3) === 1;
  return {
    type: 'rect',
    shape,
    style: failed
      ? { fill: api.visual('color'), stroke: '#a32020', lineWidth: 2 }
      : { fill: api.visual('color') },
  };
}

/** Task function name → colour, shared by every section so a function looks the same everywhere. */
const functionColors = new Map();

/** The colour of a task function: the next palette entry the first time a name is seen. */
export function colorOf(name) {
  let color = functionColors.get(name);
  if (color === undefined) {
    color = PALETTE[functionColors.size % PALETTE.length];
    functionColors.set(name, color);
  }
  return color;
}

export class TaskStreamChart {
  #chart;

  constructor(element) {
    this.element = element;
    this.#chart = echarts.init(element, null, { renderer: 'canvas' });
    this.#chart.setOption({
      animation: false,
      textStyle: { color: TEXT },
      grid: { left: 110, right: 16, top: 34, bottom: 28 },
      legend: { top: 4, left: 8, textStyle: { color: TEXT }, type: 'scroll' },
      tooltip: {
        trigger: 'item',
        formatter: (p) =>
          `${p.seriesName}<br>worker ${p.value[4]}<br>${((p.value[2] - p.value[1]) * 1000).toFixed(1)} ms` +
          (p.value[3] === 1 ? '<br><b>failed</b>' : ''),
      },
      xAxis: {
        type: 'value',
        scale: true,
        axisLabel: { color: MUTED, formatter: secondsLabel },
        splitLine: { lineStyle: { color: GRID_LINE } },
      },
      yAxis: {
        type: 'category',
        inverse: true,
        data: [],
        axisLabel: { color: TEXT },
        splitLine: { show: true, lineStyle: { color: GRID_LINE } },
      },
      series: [],
    });
  }

  /**
   * Redraws from the executor's recent spans. `lanes` are the workers in display order
   * (`{ id, label }`); `spans` are `{ workerId, fn, start, end, ok }` with times in seconds.
   */
  update(lanes, spans) {
    const laneOf = new Map(lanes.map((lane, index) => [lane.id, index]));
    const byFunction = new Map();
    let drawn = 0;
    let latest = 0;
    for (const span of spans) {
      const lane = laneOf.get(span.workerId);
      if (lane === undefined) continue;
      let data = byFunction.get(span.fn);
      if (data === undefined) {
        data = [];
        byFunction.set(span.fn, data);
      }
      data.push([lane, span.start, span.end, span.ok ? 0 : 1, span.workerId]);
      if (span.end > latest) latest = span.end;
      drawn++;
    }
    const names = [...byFunction.keys()].sort();
    this.#chart.setOption(
      {
        yAxis: { data: lanes.map((lane) => lane.label) },
        legend: { data: names },
        series: names.map((name) => ({
          type: 'custom',
          name,
          renderItem: renderSpan,
          itemStyle: { color: colorOf(name) },
          encode: { x: [1, 2], y: 0 },
          data: byFunction.get(name),
        })),
      },
      { replaceMerge: ['series'] },
    );
    this.element.dataset.bars = String(drawn);
    this.element.dataset.lanes = String(lanes.length);
    this.element.dataset.functions = names.join(',');
  }

  resize() {
    this.#chart.resize();
  }
}

export class RateChart {
  #chart;

  constructor(element) {
    this.element = element;
    this.#chart = echarts.init(element, null, { renderer: 'canvas' });
    const line = (name, yAxisIndex, color) => ({
      type: 'line',
      name,
      yAxisIndex,
      showSymbol: false,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      data: [],
    });
    this.#chart.setOption({
      animation: false,
      textStyle: { color: TEXT },
      grid: { left: 52, right: 48, top: 34, bottom: 28 },
      legend: { top: 4, textStyle: { color: TEXT } },
      tooltip: { trigger: 'axis' },
      xAxis: {
        type: 'value',
        scale: true,
        axisLabel: { color: MUTED, formatter: secondsLabel },
        splitLine: { lineStyle: { color: GRID_LINE } },
      },
      yAxis: [
        {
          type: 'value',
          name: 'tasks/s',
          nameTextStyle: { color: MUTED },
          axisLabel: { color: MUTED },
          splitLine: { lineStyle: { color: GRID_LINE } },
        },
        {
          type: 'value',
          name: 'tasks',
          minInterval: 1,
          nameTextStyle: { color: MUTED },
          axisLabel: { color: MUTED },
          splitLine: { show: false },
        },
      ],
      series: [line('tasks/s', 0, '#2f5fb3'), line('queued', 1, '#d9822b'), line('running', 1, '#2a9d6f')],
    });
  }

  /** Redraws from samples `{ t, rate, queued, running }` (t in seconds). */
  update(samples) {
    this.#chart.setOption({
      series: [
        { data: samples.map((s) => [s.t, s.rate]) },
        { data: samples.map((s) => [s.t, s.queued]) },
        { data: samples.map((s) => [s.t, s.running]) },
      ],
    });
    this.element.dataset.samples = String(samples.length);
  }

  resize() {
    this.#chart.resize();
  }
}
