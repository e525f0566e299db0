/** One measured cell (the median of its repetitions) with every repetition kept. */
export interface Result {
  peer: string;
  version: string;
  semantics: 'copy' | 'transfer';
  workload: 'throughput' | 'bandwidth';
  workers: number;
  /** Payload bytes (bandwidth). */
  size?: number;
  tasks: number;
  inFlight: number;
  /** tasks/s for throughput, MB/s for bandwidth: the median over repetitions. */
  value: number;
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

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
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
  return out.join('\n');
}
