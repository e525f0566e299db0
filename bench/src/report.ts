import { SHAPES, sum } from './balance.js';
import { median } from './measure.js';
import type { BalanceStyle, Workload } from './peer.js';

/** One measured cell (the median of its repetitions) with every repetition kept. */
export interface Result {
  peer: string;
  version: string;
  semantics: 'copy' | 'transfer';
  workload: Workload;
  workers: number;
  /** Payload bytes (bandwidth). */
  size?: number;
  /** Balance: the shape's name, how its tasks were handed over, the ideal makespan (ms). */
  shape?: string;
  style?: BalanceStyle;
  idealMs?: number;
  /** Balance: each repetition's makespan (ms), in the order they ran. */
  makespansMs?: number[];
  tasks: number;
  inFlight: number;
  /**
   * The median over repetitions of: tasks/s (throughput), MB/s (bandwidth), efficiency =
   * idealMs / makespan (balance).
   */
  value: number;
  /** Every repetition's figure, in the order they ran. */
  reps: number[];
}

const KIB = 1024;

export function sizeLabel(size: number): string {
  if (size >= KIB * KIB) return `${size / (KIB * KIB)} MiB`;
  if (size >= KIB) return `${size / KIB} KiB`;
  return `${size} B`;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(1);
}

/** A Markdown table; the first `left` columns are text (left-aligned), the others numbers. */
function table(header: string[], rows: string[][], left = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i < left ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

const STYLE_LABEL: Record<BalanceStyle, string> = {
  submit: 'submit burst',
  map: 'map (chunksize 1)',
  run: 'run() burst (no map)',
};

/** Balance: one table per shape (peer, style, workers, makespan, efficiency median and worst). */
export function renderBalance(results: Result[]): string {
  const out: string[] = [];
  const bal = results.filter((r) => r.workload === 'balance');
  for (const shape of SHAPES) {
    const rows = bal.filter((r) => r.shape === shape.name);
    if (rows.length === 0) continue;
    const total = sum(shape.durations);
    out.push(
      `Balance, ${shape.name}: ${shape.description}; ${shape.durations.length} tasks, ` +
        `${fmt(total)} ms of work, longest ${fmt(Math.max(...shape.durations))} ms ` +
        '(efficiency = ideal makespan / measured; median and worst repetition)',
      '',
    );
    const cells = rows.map((r) => [
      r.peer,
      STYLE_LABEL[r.style!],
      String(r.workers),
      fmt(r.idealMs),
      fmt(median(r.makespansMs!)),
      r.value.toFixed(2),
      Math.min(...r.reps).toFixed(2),
    ]);
    const header = ['peer', 'style', 'workers', 'ideal ms', 'makespan ms', 'efficiency', 'worst'];
    out.push(table(header, cells, 2), '');
  }
  return out.join('\n');
}

/** Markdown tables: throughput per peer × workers, bandwidth per peer/workers × size, and the target ratios. */
export function render(
  results: Result[],
  workerCounts: number[],
  sizes: number[],
  base = 'futures-shm',
): string {
  const out: string[] = [];
  const tp = results.filter((r) => r.workload === 'throughput');
  const peersTp = [...new Set(tp.map((r) => r.peer))];
  if (peersTp.length > 0) {
    out.push('Throughput: no-op task, chunksize 1 (tasks/s, median)', '');
    const rows = peersTp.map((p) => [
      p,
      ...workerCounts.map((w) => fmt(tp.find((r) => r.peer === p && r.workers === w)?.value)),
    ]);
    out.push(table(['peer', ...workerCounts.map((w) => `${w} worker${w > 1 ? 's' : ''}`)], rows), '');
  }
  const bw = results.filter((r) => r.workload === 'bandwidth');
  const peersBw = [...new Set(bw.map((r) => r.peer))];
  if (peersBw.length > 0) {
    out.push('Bandwidth: echo a Uint8Array (MB/s = 2·size·tasks/s, median)', '');
    const rows: string[][] = [];
    for (const w of workerCounts) {
      for (const p of peersBw) {
        const cells = sizes.map((s) =>
          fmt(bw.find((r) => r.peer === p && r.workers === w && r.size === s)?.value),
        );
        if (cells.some((c) => c !== '-')) rows.push([p, String(w), ...cells]);
      }
    }
    out.push(table(['peer', 'workers', ...sizes.map(sizeLabel)], rows), '');
  }
  const ratio = (a: Result | undefined, b: Result | undefined) =>
    a === undefined || b === undefined ? '-' : `${(a.value / b.value).toFixed(2)}×`;
  const lines: string[] = [];
  for (const w of workerCounts) {
    const ours = tp.find((r) => r.peer === base && r.workers === w);
    for (const other of peersTp.filter((p) => p !== base)) {
      lines.push(
        `throughput, ${w} worker(s): ${base} / ${other} = ${ratio(
          ours,
          tp.find((r) => r.peer === other && r.workers === w),
        )}`,
      );
    }
    for (const s of sizes) {
      const find = (p: string) => bw.find((r) => r.peer === p && r.workers === w && r.size === s);
      const copy = ratio(find(base), find('piscina'));
      const move = ratio(find(`${base} (transfer)`), find('piscina (move)'));
      if (copy !== '-' || move !== '-') {
        lines.push(
          `echo ${sizeLabel(s)}, ${w} worker(s): copy vs piscina = ${copy}; transfer vs piscina (move) = ${move}`,
        );
      }
    }
  }
  if (lines.length > 0) out.push('Ratios', '', ...lines.map((l) => `- ${l}`), '');
  const balance = renderBalance(results);
  if (balance !== '') out.push(balance);
  return out.join('\n');
}
