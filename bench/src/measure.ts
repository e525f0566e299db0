import type { PeerPool, Semantics } from './peer.js';

/** Runs `count` calls of `launch`, keeping `inFlight` outstanding; resolves with the seconds taken. */
export async function pipelined(
  count: number,
  inFlight: number,
  launch: (lane: number) => PromiseLike<unknown>,
): Promise<number> {
  let launched = 0;
  const t0 = performance.now();
  const lanes = Array.from({ length: Math.min(inFlight, count) }, async (_, lane) => {
    while (launched < count) {
      launched++;
      await launch(lane);
    }
  });
  await Promise.all(lanes);
  return (performance.now() - t0) / 1000;
}

/** Throughput: no-op tasks, one per message; tasks per second. */
export async function throughput(
  pool: PeerPool,
  tasks: number,
  inFlight: number,
): Promise<{ seconds: number; rate: number }> {
  await pipelined(Math.min(2000, tasks), inFlight, () => pool.noop()); // warm-up (JIT, queues)
  const seconds = await pipelined(tasks, inFlight, () => pool.noop());
  return { seconds, rate: tasks / seconds };
}

function fill(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) b[i] = i & 0xff;
  b[size - 1] = 0x5a;
  return b;
}

/**
 * Bandwidth: echo a Uint8Array of `size` bytes; MB/s = 2·size·tasks/seconds (1 MB = 10^6 B).
 * Copy semantics send one payload again and again. Transfer semantics move each payload
 * there and back, so every lane keeps its own buffer and reuses what comes back.
 */
export async function bandwidth(
  pool: PeerPool,
  semantics: Semantics,
  size: number,
  tasks: number,
  inFlight: number,
): Promise<{ seconds: number; rate: number; mbps: number }> {
  const lanes = Math.min(inFlight, tasks);
  const shared = semantics === 'copy' ? fill(size) : null;
  const own = Array.from({ length: lanes }, () => (shared ?? fill(size)) as Uint8Array);
  const once = async (lane: number): Promise<void> => {
    const out = await pool.echo(own[lane]!);
    if (out.byteLength !== size || out[size - 1] !== 0x5a)
      throw new Error(`echo returned a wrong payload (${out.byteLength} bytes)`);
    if (shared === null) own[lane] = out;
  };
  await pipelined(Math.max(2 * lanes, Math.min(tasks >> 1, 200)), lanes, once); // warm-up (JIT, allocator)
  const seconds = await pipelined(tasks, lanes, once);
  return { seconds, rate: tasks / seconds, mbps: (2 * size * tasks) / seconds / 1e6 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
