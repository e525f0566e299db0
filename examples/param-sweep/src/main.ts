/**
 * A parameter sweep: one SIR simulation per (beta, gamma) pair on a grid, fanned out with
 * PoolExecutor.map (chunksize groups several runs per task), then the grid is printed as a
 * table of peak infections and R0 = beta/gamma. The transport comes from the configuration
 * (default shm); the same program runs on MPI or ZeroMQ with FUTURES_TRANSPORT.
 *
 *   pnpm --filter @futures/example-param-sweep start [-- --grid=24 --population=5000]
 */
import { PoolExecutor, task } from '@futures/core';
import type { SirParams, SirResult, simulate } from './simulate.js';

const simulateTask = task<typeof simulate>(new URL('./simulate.js', import.meta.url), 'simulate');

function arg(name: string, fallback: number): number {
  const hit = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  const v = hit === undefined ? fallback : Number(hit.slice(name.length + 3));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

async function main(): Promise<void> {
  const grid = arg('grid', 16);
  const population = arg('population', 5_000);
  const betas = Array.from({ length: grid }, (_, k) => 0.1 + (0.5 * k) / (grid - 1));
  const gammas = Array.from({ length: grid }, (_, k) => 0.05 + (0.25 * k) / (grid - 1));
  const params: SirParams[] = [];
  for (const beta of betas)
    for (const gamma of gammas) params.push({ beta, gamma, population, days: 240, seed: params.length + 1 });

  const pool = new PoolExecutor();
  const t0 = performance.now();
  const results: SirResult[] = [];
  try {
    for await (const r of pool.map(simulateTask, params, { chunksize: 4 })) results.push(r);
  } finally {
    await pool.shutdown();
  }
  const seconds = (performance.now() - t0) / 1000;

  const cell = (r: SirResult) =>
    r.attackRate < 0.01 ? '    .' : `${((100 * r.peakInfected) / population).toFixed(0).padStart(4)}%`;
  console.log(`peak infected (% of ${population}) by beta (rows) and gamma (columns); "." = no outbreak`);
  console.log(`beta\\gamma ${gammas.map((g) => g.toFixed(2).padStart(5)).join('')}`);
  for (const [b, beta] of betas.entries()) {
    console.log(
      `${beta.toFixed(2).padStart(10)} ${results
        .slice(b * grid, (b + 1) * grid)
        .map(cell)
        .join('')}`,
    );
  }
  const meanAttack = (rs: SirResult[]) =>
    rs.length === 0 ? '-' : `${((100 * rs.reduce((a, r) => a + r.attackRate, 0)) / rs.length).toFixed(0)}%`;
  const r0 = (r: SirResult) => r.beta / r.gamma;
  console.log(
    `mean share ever infected: R0 < 1: ${meanAttack(results.filter((r) => r0(r) < 1))}, ` +
      `1 <= R0 < 2: ${meanAttack(results.filter((r) => r0(r) >= 1 && r0(r) < 2))}, R0 >= 2: ${meanAttack(results.filter((r) => r0(r) >= 2))}`,
  );
  console.log(
    `${results.length} runs on ${pool.transportName} in ${seconds.toFixed(2)} s (${Math.round(results.length / seconds)} runs/s)`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
