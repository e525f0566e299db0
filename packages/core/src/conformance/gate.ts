import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The test side of `tasks.gate`: a Unix socket server. `arrived(name)` resolves once a
 * task called gate(name) (it is then running on a worker); `release(name)` lets it return.
 * Every name that reaches it is counted (`times`, `count`), so a test can tell how many
 * tasks ran, and how often each, without timing anything. Works for threads, processes
 * and MPI ranks on this machine alike.
 */
export class Gate {
  readonly path: string;
  readonly #server: net.Server;
  readonly #arrivals = new Map<string, net.Socket>();
  readonly #waiters = new Map<string, (() => void)[]>();
  readonly #released = new Set<string>();
  readonly #seen = new Map<string, number>();
  #openAll = false;

  private constructor(socketPath: string) {
    this.path = socketPath;
    this.#server = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const name = buf.slice(0, nl);
        this.#seen.set(name, (this.#seen.get(name) ?? 0) + 1);
        if (this.#openAll || this.#released.has(name)) {
          sock.write('go');
          return;
        }
        this.#arrivals.set(name, sock);
        for (const w of this.#waiters.get(name) ?? []) w();
        this.#waiters.delete(name);
      });
      sock.on('error', () => {});
    });
  }

  static async open(): Promise<Gate> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-'));
    const gate = new Gate(path.join(dir, 'g.sock'));
    await new Promise<void>((resolve, reject) => {
      gate.#server.once('error', reject);
      gate.#server.listen(gate.path, resolve);
    });
    return gate;
  }

  /** Resolves once the task named `name` is waiting at the gate. */
  arrived(name: string): Promise<void> {
    if (this.#arrivals.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.#waiters.get(name) ?? [];
      list.push(resolve);
      this.#waiters.set(name, list);
    });
  }

  /** Lets the task named `name` return (now, or as soon as it arrives). */
  release(name: string): void {
    this.#released.add(name);
    const sock = this.#arrivals.get(name);
    if (sock !== undefined) {
      sock.write('go');
      this.#arrivals.delete(name);
    }
  }

  /** Lets every task held now, and every one that arrives later, pass at once (still counted). */
  openAll(): void {
    this.#openAll = true;
    for (const name of [...this.#arrivals.keys()]) this.release(name);
  }

  /** How many times a task announced `name`. */
  times(name: string): number {
    return this.#seen.get(name) ?? 0;
  }

  /** How many distinct names starting with `prefix` arrived (tasks that ran, when each has its own name). */
  count(prefix: string): number {
    let n = 0;
    for (const name of this.#seen.keys()) if (name.startsWith(prefix)) n++;
    return n;
  }

  /** Whether a task named `name` reached the gate. */
  hasArrived(name: string): boolean {
    return this.#arrivals.has(name) || this.#released.has(name);
  }

  async close(): Promise<void> {
    for (const name of [...this.#arrivals.keys()]) this.release(name);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    fs.rmSync(path.dirname(this.path), { recursive: true, force: true });
  }
}
