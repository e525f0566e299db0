/**
 * The balance workload: lists of CPU-spin tasks of uneven durations, run on a pool of W
 * workers. It measures how well a pool spreads them: efficiency = ideal makespan / measured
 * wall time, where ideal = max(longest task, sum of durations / W) and the wall time runs
 * from the first submit to the last result. The lists are fixed (a seeded generator), so
 * every peer runs the same tasks.
 */
import { median } from './measure.js';
import type { BalanceStyle, Peer, PeerPool } from './peer.js';
import type { Result } from './report.js';

export interface Shape {
  name: string;
  /** One line for the table's title. */
  description: string;
  /** Task durations in milliseconds, in submission order. */
  durations: number[];
}

/** mulberry32: a tiny 32-bit seeded generator; uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` durations from a log-normal distribution (median `medianMs`, shape `sigma`;
 * normal deviates by Box-Muller), clamped to [minMs, maxMs] and rounded to 1 µs.
 */
export function lognormalDurations(
  count: number,
  medianMs: number,
  sigma: number,
  minMs: number,
  maxMs: number,
  seed: number,
): number[] {
  const random = mulberry32(seed);
  const out: number[] = [];
  while (out.length < count) {
    const u1 = 1 - random(); // (0, 1]: log() stays finite
    const u2 = random();
    const r = Math.sqrt(-2 * Math.log(u1));
    for (const z of [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)]) {
      const d = Math.min(maxMs, Math.max(minMs, medianMs * Math.exp(sigma * z)));
      if (out.length < count) out.push(Math.round(d * 1000) / 1000);
    }
  }
  return out;
}

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The shapes, by name. */
export const SHAPES: readonly Shape[] = [
  {
    name: 'long+short',
    description: 'one 600 ms task, then 60 of 10 ms',
    durations: [600, ...Array.from({ length: 60 }, () => 10)],
  },
  {
    name: 'lognormal',
    description: 'log-normal durations (median 5 ms, sigma 1, clamped to [0.2, 200] ms, seed 0x5eed)',
    durations: lognormalDurations(200, 5, 1, 0.2, 200, 0x5eed),
  },
];

/** The makespan no schedule can beat on `workers` workers (ms). */
export function idealMs(durations: readonly number[], workers: number): number {
  return Math.max(Math.max(...durations), sum(durations) / workers);
}

/** Runs `durations` on `pool` in `style`; the wall milliseconds from the first submit to the last result. */
export async function timeShape(
  pool: PeerPool,
  durations: readonly number[],
  style: BalanceStyle,
): Promise<number> {
  let ms: number;
  let results: number[];
  if (pool.timeSpins !== undefined) {
    const r = await pool.timeSpins(durations, style);
    ms = r.ms;
    results = [r.sum];
  } else if (style === 'map') {
    if (pool.mapSpin === undefined) throw new Error('this pool has no map');
    results = [];
    const t0 = performance.now();
    for await (const r of pool.mapSpin(durations)) results.push(r);
    ms = performance.now() - t0;
  } else {
    const spin = pool.spin?.bind(pool);
    if (spin === undefined) throw new Error('this pool has no spin task');
    const t0 = performance.now();
    results = await Promise.all(durations.map((d) => spin(d)));
    ms = performance.now() - t0;
  }
  const want = sum(durations);
  if (Math.abs(sum(results) - want) > 1e-6 * want)
    throw new Error(`balance: the results add up to ${sum(results)} ms, not ${want} ms`);
  return ms;
}

/**
 * Every shape × style of `peer` on `workers` workers: for each, a fresh pool warmed with the
 * tiny spin task (so no shape learns from another), then `reps` timed runs in a row.
 */
export async function measureBalance(
  peer: Peer,
  workers: number,
  reps: number,
  shapes: readonly Shape[],
): Promise<Result[]> {
  const results: Result[] = [];
  for (const shape of shapes) {
    const ideal = idealMs(shape.durations, workers);
    for (const style of peer.balanceStyles ?? ['submit', 'map']) {
      const makespansMs: number[] = [];
      const pool = await peer.start(workers, 'spin');
      try {
        for (let i = 0; i < reps; i++) makespansMs.push(await timeShape(pool, shape.durations, style));
      } finally {
        await pool.close();
      }
      const efficiencies = makespansMs.map((ms) => ideal / ms);
      results.push({
        peer: peer.name,
        version: peer.version,
        semantics: peer.semantics,
        workload: 'balance',
        workers,
        shape: shape.name,
        style,
        idealMs: ideal,
        makespansMs,
        tasks: shape.durations.length,
        inFlight: shape.durations.length,
        value: median(efficiencies),
        reps: efficiencies,
      });
    }
  }
  return results;
}

/** The shapes named in `names` (all of them for null). */
export function pickShapes(names: readonly string[] | null): Shape[] {
  if (names === null) return [...SHAPES];
  return names.map((n) => {
    const hit = SHAPES.find((s) => s.name === n);
    if (hit === undefined)
      throw new Error(`unknown shape ${n}; known: ${SHAPES.map((s) => s.name).join(', ')}`);
    return hit;
  });
}
