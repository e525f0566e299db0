import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Arrival {
  i: number;
  pid: number;
  ns: string | null;
  tag: string | null;
}

/**
 * The test side of fixtures/tasks.mjs `hold`: a Unix socket server (path sockets work across
 * network namespaces). Knows which task is running where, and lets each one return on demand.
 */
export class HoldGate {
  readonly path: string;
  readonly arrivals: Arrival[] = [];
  readonly #held = new Map<number, net.Socket>();
  readonly #released = new Set<number>();
  #releaseAll = false;
  #autoRelease: ((a: Arrival) => boolean) | null = null;
  #waiters: (() => void)[] = [];
  readonly #server: net.Server;

  private constructor(p: string) {
    this.path = p;
    this.#server = net.createServer((sock) => {
      let buf = '';
      sock.on('error', () => {});
      sock.on('data', (d) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const a = JSON.parse(buf.slice(0, nl)) as Arrival;
        buf = '';
        this.arrivals.push(a);
        if (this.#releaseAll || this.#released.has(a.i) || this.#autoRelease?.(a)) sock.write('go');
        else this.#held.set(a.i, sock);
        for (const w of this.#waiters.splice(0)) w();
      });
    });
  }

  static async open(): Promise<HoldGate> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fzg-'));
    fs.chmodSync(dir, 0o755);
    const gate = new HoldGate(path.join(dir, 'g.sock'));
    await new Promise<void>((resolve, reject) => {
      gate.#server.once('error', reject);
      gate.#server.listen(gate.path, resolve);
    });
    return gate;
  }

  /** Resolves once `pred` holds for the arrivals so far; rejects after `ms`. */
  async until(pred: (arrivals: Arrival[]) => boolean, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.arrivals)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `gate: condition not met within ${ms} ms; arrivals: ${JSON.stringify(this.arrivals)}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  release(i: number): void {
    this.#released.add(i);
    const sock = this.#held.get(i);
    if (sock !== undefined) {
      this.#held.delete(i);
      sock.write('go');
    }
  }

  /** Releases arrivals matching `pred` now and from now on. */
  autoRelease(pred: (a: Arrival) => boolean): void {
    this.#autoRelease = pred;
    for (const a of this.arrivals) if (pred(a)) this.release(a.i);
  }

  releaseAll(): void {
    this.#releaseAll = true;
    for (const i of [...this.#held.keys()]) this.release(i);
  }

  async close(): Promise<void> {
    this.releaseAll();
    for (const s of this.#held.values()) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    fs.rmSync(path.dirname(this.path), { recursive: true, force: true });
  }
}
