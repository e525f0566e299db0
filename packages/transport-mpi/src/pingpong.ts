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
  let channel: number;
  let peer: number;
  let spawned: Opened | null = null;
  if (isStaticController()) {
    channel = (await staticWorld(engine, false)).channel;
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
        workerRuntimeUrl: runtimeUrl,
      },
      resolveMpiOptions(),
    );
    channel = spawned.channel;
    peer = 0;
  }
  const out: PingPongResult[] = [];
  try {
    for (const { bytes, iterations } of sizes) {
      const done = await engine.request('pingPongDone', (t) =>
        engine.native.pingPong(t, channel, peer, bytes, iterations),
      );
      if (done.error !== undefined) throw new MpiError(`futures: ping-pong failed: ${done.error}`);
      const seconds = done.seconds;
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
