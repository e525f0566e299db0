import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Peer, PeerPool } from '../peer.js';

// Dask distributed (Debian's python3-distributed): a LocalCluster of worker processes, driven
// task by task through a small stdin/stdout bridge (bench/python/dask_peer.py), so the same
// harness loop (task counts, tasks in flight) measures it as it measures every other row.

const PYTHON = process.env.FUTURES_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../python/dask_peer.py', import.meta.url));
const READY = 0xffffffff;

function probe(): { version: string | null; why: string | null } {
  const r = spawnSync(PYTHON, ['-c', 'import distributed; print(distributed.__version__)'], {
    encoding: 'utf8',
  });
  if (r.error !== undefined) return { version: null, why: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0)
    return { version: null, why: `${PYTHON} cannot import distributed (apt install python3-distributed)` };
  return { version: r.stdout.trim(), why: null };
}

const found = probe();

class Bridge implements PeerPool {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (data: Uint8Array) => void>();
  #nextId = 0;
  #buf: Buffer = Buffer.alloc(0);
  #ready: Promise<void>;
  #failed: Error | null = null;

  constructor(workers: number, bridgeOnly: boolean) {
    this.#child = spawn(PYTHON, [SCRIPT, String(workers), ...(bridgeOnly ? ['--bridge-only'] : [])], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let readyNow: () => void = () => {};
    this.#ready = new Promise((resolve) => {
      readyNow = resolve;
    });
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 8) {
        const id = this.#buf.readUInt32LE(0);
        const n = this.#buf.readUInt32LE(4);
        if (this.#buf.length < 8 + n) break;
        const data = this.#buf.subarray(8, 8 + n);
        this.#buf = this.#buf.subarray(8 + n);
        if (id === READY) readyNow();
        else {
          const done = this.#pending.get(id);
          this.#pending.delete(id);
          done?.(data);
        }
      }
    });
    this.#child.on('exit', (code) => {
      this.#failed = new Error(`the Dask bridge exited with code ${code}`);
      readyNow();
    });
  }

  async ready(): Promise<this> {
    await this.#ready;
    if (this.#failed !== null) throw this.#failed;
    return this;
  }

  #call(op: number, payload: Uint8Array | null): Promise<Uint8Array> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    const head = Buffer.alloc(9);
    head.writeUInt32LE(id, 0);
    head.writeUInt8(op, 4);
    head.writeUInt32LE(payload?.byteLength ?? 0, 5);
    const p = new Promise<Uint8Array>((resolve) => this.#pending.set(id, resolve));
    this.#child.stdin!.write(head);
    if (payload !== null) this.#child.stdin!.write(payload);
    return p;
  }

  noop(): Promise<Uint8Array> {
    return this.#call(0, null);
  }

  echo(payload: Uint8Array): Promise<Uint8Array> {
    return this.#call(1, payload);
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export const peers: Peer[] = [
  {
    name: 'dask',
    version: `dask distributed ${found.version ?? '?'} (LocalCluster, processes)`,
    semantics: 'copy',
    workloads: ['throughput', 'bandwidth'],
    unavailable: async () => found.why,
    start: (workers) => new Bridge(workers, false).ready(),
  },
];
