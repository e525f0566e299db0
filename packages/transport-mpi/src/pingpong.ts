/**
 * Raw MPI ping-pong between this process and one worker rank, run by the two progress
 * threads with blocking MPI_Send/MPI_Recv on already-touched buffers: the bandwidth MPI
 * itself reaches here, the limit for the transport's echo benchmark.
 */
import { getEngine } from './engine.js';
import { MpiError } from './errors.js';
import { isStaticController } from './launcher-env.js';
import { resolveMpiOptions } from './options.js';
import { type Opened, spawnTarget, staticWorld } from './targets.js';

export interface PingPongResult {
  bytes: number;
  iterations: number;
  seconds: number;
  /** 2 × bytes × round trips per second (both directions), in MB/s (10^6). */
  bandwidthMBps: number;
  /** Half a round trip, in µs. */
  latencyUs: number;
}

/** Runs ping-pongs of each size with a spawned worker (or rank 1 in static mode). */
export async function mpiPingPong(
  sizes: readonly { bytes: number; iterations: number }[],
): Promise<PingPongResult[]> {
  const engine = getEngine(resolveMpiOptions());
  await engine.ready;
  let link: number;
  let peer: number;
  let spawned: Opened | null = null;
  if (isStaticController()) {
    link = (await staticWorld(engine, false)).link;
    peer = 1;
  } else {
    const runtimeUrl = import.meta.resolve('@futures/core/worker');
    spawned = await spawnTarget.open(
      engine,
      {
        maxWorkers: 1,
        maxWorkersExplicit: true,
        env: null,
        cwd: null,
        execArgv: null,
        options: {},
        workerRuntimeUrl: runtimeUrl,
      },
      resolveMpiOptions(),
    );
    link = spawned.link;
    peer = 0;
  }
  const out: PingPongResult[] = [];
  try {
    for (const { bytes, iterations } of sizes) {
      const row = await engine.request((t) => engine.native.pingPong(t, link, peer, bytes, iterations));
      if (row.text !== undefined) throw new MpiError(`futures: ping-pong failed: ${row.text}`);
      const seconds = row.a;
      out.push({
        bytes,
        iterations,
        seconds,
        bandwidthMBps: (2 * bytes * iterations) / seconds / 1e6,
        latencyUs: (seconds / iterations / 2) * 1e6,
      });
    }
  } finally {
    if (spawned !== null) await spawnTarget.close(engine, spawned, false);
  }
  return out;
}
