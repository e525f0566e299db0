/**
 * Run settings shared by every fuzz property. In CI they are fixed (seed 20251215, hundreds to
 * thousands of runs per property: the suite takes seconds, well under a minute on a loaded
 * 2-core machine);
 * `node scripts/fuzz.mjs` sets FUZZ_SEED (random, printed) and FUZZ_RUNS (many more).
 * A failure prints fast-check's seed and shrunk counterexample; rerun it with
 * `FUZZ_SEED=<seed> npx vitest run test/fuzz`.
 */
export const SEED = Number(process.env.FUZZ_SEED ?? 20251215);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

/** fast-check parameters for a property of `runs` runs in CI (times FUZZ_RUNS in a long run). */
export function params(runs: number): { seed: number; numRuns: number; endOnFailure: boolean } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(runs * SCALE)), endOnFailure: true };
}

/** Per-frame time bound (ms) for a decoder: bounded work, whatever a length field claims. */
export const FRAME_BUDGET_MS = 250;
