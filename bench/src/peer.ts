import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * What one benchmark row needs: a pool that runs the two workloads. Every file in
 * src/peers/ exports `peers: Peer[]`; run.ts discovers them (dist/peers/*.js), so a
 * transport helper adds its rows by adding one file (e.g. src/peers/futures-mpi.ts).
 */

/** How the echo payload travels: copied (the caller keeps its buffer) or moved (detached). */
export type Semantics = 'copy' | 'transfer';

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
  workloads: readonly ('throughput' | 'bandwidth')[];
  /** null when the peer can run here, else the reason it is skipped (printed). */
  unavailable?(): Promise<string | null>;
  /** Starts `workers` workers and resolves once each one has run a task (warm; not timed). */
  start(workers: number): Promise<PeerPool>;
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
