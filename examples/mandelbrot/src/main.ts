/**
 * Renders a Mandelbrot image in parallel, one task per row (PoolExecutor.map, chunksize 1),
 * writes it as a PNG, and prints the figures: wall time, rows (tasks) per second, and the
 * speedup over the same render on one worker.
 *
 *   pnpm --filter @futures/example-mandelbrot start [-- --width=1600 --height=1000
 *        --iterations=600 --workers=N --out=path.png]
 *
 * The transport comes from the configuration (FUTURES_TRANSPORT, futures.config.json),
 * by default shm (worker threads); FUTURES_MAX_WORKERS or --workers sets the pool size.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoolExecutor, task } from '@futures/core';
import { PNG } from 'pngjs';
import type { renderRow, View } from './render.js';

const rowTask = task<typeof renderRow>(new URL('./render.js', import.meta.url), 'renderRow');

interface Args {
  width: number;
  height: number;
  iterations: number;
  workers: number | undefined;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const opts = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z]+)=(.+)$/.exec(a);
    if (m === null)
      throw new Error(`unknown argument ${a} (use --width=, --height=, --iterations=, --workers=, --out=)`);
    opts.set(m[1]!, m[2]!);
  }
  const int = (name: string, fallback: number | undefined): number | undefined => {
    const v = opts.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  return {
    width: int('width', 1600)!,
    height: int('height', 1000)!,
    iterations: int('iterations', 1000)!,
    workers: int('workers', undefined),
    out: path.resolve(opts.get('out') ?? path.join(here, '..', 'out', 'mandelbrot.png')),
  };
}

interface Run {
  workers: number;
  transport: string;
  seconds: number;
  rows: Uint8Array[];
}

/** One render on a fresh pool; the pool is booted first so only the render is timed. */
async function render(args: Args, view: View, maxWorkers: number | undefined): Promise<Run> {
  const pool = new PoolExecutor(maxWorkers === undefined ? {} : { maxWorkers });
  try {
    await pool.bootup();
    const ys = Array.from({ length: args.height }, (_, y) => y);
    const t0 = performance.now();
    const rows: Uint8Array[] = [];
    for await (const row of pool.starmap(
      rowTask,
      ys.map((y) => [y, args.width, args.height, args.iterations, view] as const),
    )) {
      rows.push(row);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { workers: pool.numWorkers, transport: pool.transportName, seconds, rows };
  } finally {
    await pool.shutdown();
  }
}

function writePng(file: string, width: number, rows: Uint8Array[]): void {
  const png = new PNG({ width, height: rows.length });
  for (const [y, row] of rows.entries()) png.data.set(row, y * width * 4);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const view: View = { centerX: -0.65, centerY: 0, span: 3.2 };
  const single = await render(args, view, 1);
  const parallel = await render(args, view, args.workers);
  writePng(args.out, args.width, parallel.rows);
  const same = single.rows.every((r, y) => Buffer.compare(r, parallel.rows[y]!) === 0);
  if (!same) throw new Error('the parallel render differs from the one-worker render');
  const rate = (r: Run) => Math.round(args.height / r.seconds).toLocaleString('en-US');
  console.log(`wrote ${args.out} (${args.width}x${args.height}, ${args.iterations} iterations)`);
  console.log(`transport ${parallel.transport}, ${os.availableParallelism()} CPUs`);
  console.log(`1 worker:  ${single.seconds.toFixed(2)} s, ${rate(single)} tasks/s`);
  console.log(`${parallel.workers} workers: ${parallel.seconds.toFixed(2)} s, ${rate(parallel)} tasks/s`);
  console.log(`speedup over one worker: ${(single.seconds / parallel.seconds).toFixed(2)}x`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
