import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderCharts } from '../src/charts/charts.js';
import { parseChartArgs } from '../src/charts/render.js';
import { ChartDataError } from '../src/charts/results.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const RESULTS = path.join(FIXTURES, 'results.json');
const SOAK = path.join(FIXTURES, 'soak.json');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-charts-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Throws unless `svg` is one well-formed <svg> element: every tag closed in order, no text
 * outside the root (a small check instead of an XML parser dependency).
 */
function assertWellFormedSvg(svg: string): void {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const between = svg.slice(last, m.index);
    expect(between.includes('<') || between.includes('>'), `stray markup before ${m[0]}`).toBe(false);
    if (stack.length === 0 && last > 0) expect(between.trim()).toBe('');
    last = m.index + m[0].length;
    if (m[4] === '/') continue;
    if (m[1] === '/') expect(stack.pop(), `closing ${m[2]}`).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  expect(svg.slice(last).trim()).toBe('');
}

/** The marks Vega drew of one kind (aria-roledescription: "bar", "point", "line mark", "rule mark"). */
function marks(svg: string, kind: string): { label: string; d: string; transform: string }[] {
  const out: { label: string; d: string; transform: string }[] = [];
  const re = /<(?:path|line) ([^>]*)aria-roledescription="([^"]*)"([^>]*)\/>/g;
  for (let m = re.exec(svg); m !== null; m = re.exec(svg)) {
    if (m[2] !== kind) continue;
    const attrs = m[1]! + m[3]!;
    out.push({
      label: /aria-label="([^"]*)"/.exec(attrs)?.[1] ?? '',
      d: /\bd="([^"]*)"/.exec(attrs)?.[1] ?? '',
      transform: /transform="([^"]*)"/.exec(attrs)?.[1] ?? '',
    });
  }
  return out;
}

/** The text Vega drew (axis labels, legends, titles; a line of a multi-line title each), unescaped. */
function texts(svg: string): string[] {
  const unescapeXml = (t: string) =>
    t.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'");
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].flatMap((m) => {
    const lines = [...m[1]!.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1]!);
    return (lines.length > 0 ? lines : [m[1]!]).map(unescapeXml);
  });
}

describe('renderCharts from the fixture results', () => {
  it('writes the four charts as valid SVG, each naming its results file', async () => {
    const report = await renderCharts({ results: [RESULTS, SOAK], outDir: tmp, relativeTo: FIXTURES });
    expect(report.skipped).toEqual([]);
    expect(report.written.map((w) => w.chart)).toEqual(['throughput', 'bandwidth', 'balance', 'soak']);
    for (const w of report.written) {
      expect(w.svgFile).toBe(path.join(tmp, `${w.chart}.svg`));
      const svg = fs.readFileSync(w.svgFile, 'utf8');
      assertWellFormedSvg(svg);
      // the accessible name and description: the chart's title and subtitle
      expect(svg).toMatch(/^<svg [^>]*><title>[A-Z][^<]+<\/title><desc>from [^<]+<\/desc><rect /m);
      const source = w.chart === 'soak' ? 'soak.json' : 'results.json';
      expect(w.sources).toEqual([w.chart === 'soak' ? SOAK : RESULTS]);
      expect(texts(svg).some((t) => t.startsWith(`from ${source} (run 2026-12-0`))).toBe(true);
    }
  });

  it('throughput: one bar per peer and worker count, its length proportional to tasks/s', async () => {
    await renderCharts({ results: [RESULTS], outDir: tmp, charts: ['throughput'] });
    const svg = fs.readFileSync(path.join(tmp, 'throughput.svg'), 'utf8');
    const bars = marks(svg, 'bar');
    expect(bars).toHaveLength(6);
    const width = (peer: string, workers: string) => {
      const bar = bars.find(
        (b) => b.label.includes(`peer: ${peer};`) && b.label.endsWith(`workers: ${workers}`),
      );
      expect(bar, `${peer}, ${workers}`).toBeDefined();
      return Number(/^M[\d.]+,[\d.]+h([\d.]+)/.exec(bar!.d)![1]);
    };
    // 350,000 against 10,000 tasks/s: 35 times as long
    expect(width('futures-shm', '2 workers') / width('piscina', '1 worker')).toBeCloseTo(35, 1);
    expect(width('tinypool', '2 workers') / width('futures-shm', '1 worker')).toBeCloseTo(25 / 300, 3);
    const labels = texts(svg);
    for (const peer of ['futures-shm', 'piscina', 'tinypool']) expect(labels).toContain(peer);
    expect(labels).toContain('350,000'); // the value printed at the bar's end
    expect(labels).toContain('no-op tasks, chunksize 1, 1,024 in flight');
  });

  it('bandwidth: a line per peer, a point per size, sizes and MB/s on log axes', async () => {
    await renderCharts({ results: [RESULTS], outDir: tmp, charts: ['bandwidth'] });
    const svg = fs.readFileSync(path.join(tmp, 'bandwidth.svg'), 'utf8');
    expect(marks(svg, 'line mark')).toHaveLength(3);
    const points = marks(svg, 'point');
    expect(points).toHaveLength(6);
    const labels = texts(svg);
    for (const l of ['futures-shm', 'piscina', '1 KiB', '1 MiB', '10', '100', '1,000', '10k', '100k'])
      expect(labels).toContain(l);
    // log axes: 1 KiB -> 1 MiB and 60 -> 60,000 MB/s are the same distance in x and y
    const at = (peer: string, size: number, semantics: string) => {
      const p = points.find(
        (q) =>
          q.label.includes(`size (log scale): ${size};`) &&
          q.label.includes(`peer: ${peer}; semantics: ${semantics}`),
      );
      expect(p, `${peer} ${size}`).toBeDefined();
      return /translate\(([\d.]+),([\d.]+)\)/.exec(p!.transform)!.slice(1).map(Number) as [number, number];
    };
    const [x0, y0] = at('futures-shm', 1024, 'transfer');
    const [x1, y1] = at('futures-shm', 1048576, 'transfer');
    const [, yCopy] = at('futures-shm', 1048576, 'copy');
    expect(x1).toBeGreaterThan(x0);
    expect(y0 - y1).toBeGreaterThan(0);
    // from 2,000 (copy) to 60,000 MB/s (transfer, 1 MiB) is log(30) of log(1,200) from 50 to 60,000
    expect((yCopy - y1) / (y0 - y1)).toBeCloseTo(Math.log(30) / Math.log(1200), 3);
  });

  it('balance: a dot per peer, style and shape, and a line down to the worst repetition', async () => {
    await renderCharts({ results: [RESULTS], outDir: tmp, charts: ['balance'] });
    const svg = fs.readFileSync(path.join(tmp, 'balance.svg'), 'utf8');
    expect(marks(svg, 'point')).toHaveLength(6);
    expect(marks(svg, 'rule mark')).toHaveLength(6);
    const labels = texts(svg);
    for (const l of [
      'futures-shm · submit',
      'futures-shm · map',
      'piscina · run()',
      'long+short (ideal 600 ms)',
    ])
      expect(labels).toContain(l);
    expect(labels).toContain('lognormal (ideal 983 ms)');
  });

  it('soak: a point per reading and measure (the reading after shutdown left out)', async () => {
    await renderCharts({ results: [SOAK], outDir: tmp });
    const svg = fs.readFileSync(path.join(tmp, 'soak.svg'), 'utf8');
    // shm: 3 readings × RSS, heapUsed, workers' ArrayBuffers; zmq: 3 × 2 (no ArrayBuffers
    // recorded); mpi failed: nothing
    expect(marks(svg, 'point')).toHaveLength(15);
    const labels = texts(svg);
    expect(labels).toEqual(expect.arrayContaining(['shm', 'zmq', 'RSS (MB)', 'heapUsed (MB)']));
    expect(labels).not.toContain('mpi');
    expect(labels).toContain("(no workers' ArrayBuffers recorded for zmq)");
  });
});

describe('files that lack a chart', () => {
  /** The fixture without its bandwidth rows, as a run with --workload=throughput,balance writes it. */
  function withoutBandwidth(): string {
    const data = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as { results: { workload: string }[] };
    data.results = data.results.filter((r) => r.workload !== 'bandwidth');
    const file = path.join(tmp, 'no-bandwidth.json');
    fs.writeFileSync(file, JSON.stringify(data));
    return file;
  }

  it('skips the chart with its reason when it is chosen from the files', async () => {
    const file = withoutBandwidth();
    const out = path.join(tmp, 'out');
    const report = await renderCharts({ results: [file], outDir: out });
    expect(report.written.map((w) => w.chart)).toEqual(['throughput', 'balance']);
    expect(report.skipped.map((s) => s.chart)).toEqual(['bandwidth', 'soak']);
    expect(report.skipped[0]!.reason).toContain(`none of ${file} has bandwidth rows`);
    expect(fs.readdirSync(out).sort()).toEqual(['balance.svg', 'throughput.svg']);
  });

  it('throws ChartDataError naming the file, and writes nothing, when the file was named for that chart', async () => {
    const file = withoutBandwidth();
    const out = path.join(tmp, 'out');
    const render = renderCharts({ results: [RESULTS], files: { bandwidth: [file] }, outDir: out });
    await expect(render).rejects.toThrow(ChartDataError);
    await expect(render).rejects.toThrow(`${file} has no bandwidth rows`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('throws ChartDataError when no chart can be drawn, and for a file that is not a results file', async () => {
    const render = renderCharts({ results: [SOAK], charts: ['throughput', 'balance'], outDir: tmp });
    await expect(render).rejects.toThrow(
      /no chart drawn: throughput: none of .*soak\.json has throughput rows/,
    );
    const bogus = path.join(tmp, 'bogus.json');
    fs.writeFileSync(bogus, '{"date": "2026-12-01"}');
    await expect(renderCharts({ results: [bogus], outDir: tmp })).rejects.toThrow(
      `${bogus} is not a bench results file`,
    );
  });
});

describe('choosing files by default', () => {
  it('takes the newest non-quick dated file that has the chart, ignoring latest*.json', async () => {
    const data = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as {
      date: string;
      settings: { quick: boolean };
      results: { workload: string; peer: string; value: number }[];
    };
    const write = (name: string, date: string, quick: boolean, value: number) => {
      const copy = structuredClone(data);
      copy.date = date;
      copy.settings.quick = quick;
      for (const r of copy.results) if (r.workload === 'throughput') r.value = value;
      fs.writeFileSync(path.join(tmp, name), JSON.stringify(copy));
    };
    write('old.json', '2026-11-01T00:00:00.000Z', false, 1111);
    write('new.json', '2026-11-02T00:00:00.000Z', false, 2222);
    write('quick.json', '2026-11-03T00:00:00.000Z', true, 3333);
    write('latest.json', '2026-11-04T00:00:00.000Z', false, 4444);
    const out = path.join(tmp, 'out');
    const report = await renderCharts({ resultsDir: tmp, outDir: out, charts: ['throughput'] });
    expect(report.written[0]!.sources).toEqual([path.join(tmp, 'new.json')]);
    expect(texts(fs.readFileSync(path.join(out, 'throughput.svg'), 'utf8'))).toContain('2,222');
  });

  it('merges files named for one chart; a series in several comes from the newest', async () => {
    const newer = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as {
      date: string;
      results: { workload: string; peer: string; value: number }[];
    };
    newer.date = '2026-12-24T00:00:00.000Z';
    newer.results = newer.results.filter((r) => r.workload === 'throughput' && r.peer === 'piscina');
    for (const r of newer.results) r.value = 77777;
    const file = path.join(tmp, 'rerun.json');
    fs.writeFileSync(file, JSON.stringify(newer));
    await renderCharts({ files: { throughput: [RESULTS, file] }, charts: ['throughput'], outDir: tmp });
    const svg = fs.readFileSync(path.join(tmp, 'throughput.svg'), 'utf8');
    expect(marks(svg, 'bar')).toHaveLength(6);
    const labels = texts(svg);
    expect(labels.filter((t) => t === '77,777')).toHaveLength(2);
    expect(labels).not.toContain('10,000');
    expect(labels.filter((t) => t.startsWith('from '))).toHaveLength(2);
  });
});

describe('parseChartArgs', () => {
  it('reads files, per-chart files, the chart list and the output directory', () => {
    expect(
      parseChartArgs(['a.json', '--', '--bandwidth=b.json,c.json', '--charts=bandwidth,soak', '--out=x']),
    ).toEqual({
      help: false,
      results: ['a.json'],
      files: { bandwidth: ['b.json', 'c.json'] },
      charts: ['bandwidth', 'soak'],
      outDir: 'x',
    });
  });

  it('rejects unknown arguments and charts, naming the known ones', () => {
    expect(() => parseChartArgs(['--colour=red'])).toThrow(/unknown argument --colour=red; known: --out/);
    expect(() => parseChartArgs(['--charts=pie'])).toThrow(
      'unknown chart pie in --charts; known: throughput, bandwidth, balance, soak',
    );
    expect(() => parseChartArgs(['--out'])).toThrow('--out needs a value');
  });
});
