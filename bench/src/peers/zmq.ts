import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoolExecutor, task } from '@futures/core';
import { type Peer, type PeerPool, type Warmup, WORKERS_DIR, warm } from '../peer.js';

// futures over ZeroMQ, with worker processes on this machine: "futures-zmq" as configured by
// default (local workers on a private Unix socket), and "futures-zmq (TCP, CURVE)", the path
// remote workers take (TCP, authenticated and encrypted), here over loopback.
// Loaded by name (transport "zmq"), so FUTURES_* settings apply to the rows.

const TASKS = new URL('futures-tasks.js', WORKERS_DIR);
const noop = task<() => number>(TASKS, 'noop');
const echo = task<(x: Uint8Array) => Uint8Array>(TASKS, 'echo');
const spin = task<(ms: number) => number>(TASKS, 'spin');

/**
 * The package's directory. Until bench/package.json lists @futures/transport-zmq, it is found
 * in FUTURES_TRANSPORT_PATH or the workspace, and core is told where (FUTURES_TRANSPORT_PATH).
 */
function ensureResolvable(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve('@futures/transport-zmq/package.json'));
  } catch {
    const prev = process.env.FUTURES_TRANSPORT_PATH ?? '';
    const candidates = [
      ...prev.split(path.delimiter).filter(Boolean),
      fileURLToPath(new URL('../../../packages/transport-zmq/', import.meta.url)),
    ];
    const dir = candidates.find((d) => fs.existsSync(path.join(d, 'package.json'))) ?? candidates.at(-1)!;
    if (!prev.split(path.delimiter).includes(dir)) {
      process.env.FUTURES_TRANSPORT_PATH = prev ? `${prev}${path.delimiter}${dir}` : dir;
    }
    return dir;
  }
}

const pkgDir = ensureResolvable();
const version = (() => {
  try {
    return `@futures/transport-zmq ${(JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version}`;
  } catch {
    return '@futures/transport-zmq ?';
  }
})();

async function start(workers: number, localIpc: boolean, warmup: Warmup = 'noop'): Promise<PeerPool> {
  // (typed loosely: zmq's options join PoolExecutorOptions only where the package is a dependency)
  const options: Record<string, unknown> = { transport: 'zmq', maxWorkers: workers, localIpc };
  const pool = new PoolExecutor(options as ConstructorParameters<typeof PoolExecutor>[0]);
  await pool.bootup();
  await warm(
    workers,
    warmup,
    () => pool.submit(noop),
    (ms) => pool.submit(spin, ms),
  );
  return {
    noop: () => pool.submit(noop),
    echo: (payload) => pool.submit(echo, payload),
    spin: (ms) => pool.submit(spin, ms),
    mapSpin: (durations) => pool.map(spin, durations),
    close: () => pool.shutdown(),
  };
}

const unavailable = async (): Promise<string | null> =>
  fs.existsSync(path.join(pkgDir, 'dist', 'index.js')) ? null : `${pkgDir} is not built`;

export const peers: Peer[] = [
  {
    name: 'futures-zmq',
    version: `${version} (local workers: Unix socket)`,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth', 'balance'],
    unavailable,
    start: (w, warmup) => start(w, true, warmup),
  },
  {
    name: 'futures-zmq (TCP, CURVE)',
    version: `${version} (TCP loopback, CURVE: the remote workers' path)`,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth'],
    unavailable,
    start: (w) => start(w, false),
  },
];
