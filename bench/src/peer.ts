import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * What one benchmark row needs: a pool that runs the workloads. Every file in
 * src/peers/ exports `peers: Peer[]`; run.ts discovers them (dist/peers/*.js), so a
 * transport helper adds its rows by adding one file (e.g. src/peers/futures-mpi.ts).
 */

/** How the echo payload travels: copied (the caller keeps its buffer) or moved (detached). */
export type Semantics = 'copy' | 'transfer';

export type Workload = 'throughput' | 'bandwidth' | 'balance';

/**
 * How the balance workload hands its tasks to a pool: `submit` (every task submitted at
 * once, Promise.all of the futures), `map` (the pool's own map, chunksize 1, consumed with
 * for await), or `run` (a burst of run() calls, for pools that have no map).
 */
export type BalanceStyle = 'submit' | 'map' | 'run';

/** What a pool runs before it is timed: no-op tasks, or the spin task with a tiny duration. */
export type Warmup = 'noop' | 'spin';

/** The warm-up: `workers` × 4 tasks (spin: of WARM_SPIN_MS each), all at once. */
export const WARM_SPIN_MS = 0.1;
export async function warm(
  workers: number,
  warmup: Warmup,
  noop: () => PromiseLike<unknown>,
  spin: (ms: number) => PromiseLike<unknown>,
): Promise<void> {
  const once = warmup === 'spin' ? () => spin(WARM_SPIN_MS) : noop;
  await Promise.all(Array.from({ length: workers * 4 }, once));
}

/** A warm pool of one peer, started with a fixed number of workers. */
export interface PeerPool {
  /** Runs one no-op task (one task per message: chunksize 1); resolves when it returned. */
  noop(): PromiseLike<unknown>;
  /**
   * Sends `payload` to a worker, which returns it; resolves with the returned bytes. With
   * 'transfer' semantics the payload is moved there and the result moved back (the caller
   * reuses the returned buffer for its next call).
   */
  echo(payload: Uint8Array): PromiseLike<Uint8Array>;
  /** Balance: one task that busy-spins for `ms` milliseconds and returns `ms`. */
  spin?(ms: number): PromiseLike<number>;
  /** Balance, map style: the pool's map over `durations` (chunksize 1), results in order. */
  mapSpin?(durations: readonly number[]): AsyncIterable<number>;
  /**
   * Balance, for a pool whose controller is another process (mpi4py.futures under mpiexec):
   * runs `durations` there in `style` and resolves with the wall milliseconds measured there
   * (first submit to last result) and the sum of the results.
   */
  timeSpins?(durations: readonly number[], style: BalanceStyle): Promise<{ ms: number; sum: number }>;
  /** Stops the pool and its workers. */
  close(): Promise<void>;
}

export interface Peer {
  /** Row label, e.g. "futures-shm", "piscina (move)". */
  name: string;
  /** Package and version, for the JSON ("piscina 5.3.2"). */
  version: string;
  semantics: Semantics;
  /** Which workloads this row runs (a transfer row only makes sense for bandwidth). */
  workloads: readonly Workload[];
  /** Balance: the submission styles this row runs (default: submit and map). */
  balanceStyles?: readonly BalanceStyle[];
  /** null when the peer can run here, else the reason it is skipped (printed). */
  unavailable?(): Promise<string | null>;
  /**
   * Starts `workers` workers and resolves once they ran `workers` × 4 warm-up tasks (not
   * timed): no-ops by default, the spin task of WARM_SPIN_MS for the balance workload.
   */
  start(workers: number, warmup?: Warmup): Promise<PeerPool>;
}

/** Where the worker-side modules live (plain JavaScript, not compiled). */
export const WORKERS_DIR = new URL('../workers/', import.meta.url);

/** "name x.y.z" of an installed package (its package.json found upward from its entry). */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return `${name} ${pkg.version}`;
    }
    const up = path.dirname(dir);
    if (up === dir) return `${name} ?`;
    dir = up;
  }
}
