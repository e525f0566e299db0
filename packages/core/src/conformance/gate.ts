import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** One task's announcement at the gate: its name, and whatever details it sent along. */
export type GateArrival<Details extends object = Record<never, never>> = { name: string } & Details;

/**
 * The test side of `tasks.gate`: a Unix socket server. `arrived(name)` resolves once a
 * task called gate(name) (it is then running on a worker); `release(name)` lets it return.
 * Every name that reaches it is counted (`times`, `count`), so a test can tell how many
 * tasks ran, and how often each, without timing anything. Works for threads, processes,
 * MPI ranks and processes in other network namespaces on this machine alike (path sockets
 * cross namespaces).
 *
 * The wire format is one line per task: `name`, or `name<TAB>{json}` where the JSON object
 * says more about where the task runs (pid, namespace, ...): those details land in
 * `arrivals`, typed by `Details`, so a test can wait for "a task running in namespace b"
 * (`until`) or let through only some tasks (`autoRelease`).
 */
export class Gate<Details extends object = Record<never, never>> {
  readonly path: string;
  /** Every announcement so far, in order of arrival (released ones too). */
  readonly arrivals: GateArrival<Details>[] = [];
  readonly #server: net.Server;
  readonly #arrivals = new Map<string, net.Socket>();
  readonly #waiters = new Map<string, (() => void)[]>();
  readonly #released = new Set<string>();
  readonly #seen = new Map<string, number>();
  #openAll = false;
  #autoRelease: ((arrival: GateArrival<Details>) => boolean) | null = null;
  /** Woken on every arrival (`until` re-checks its condition then). */
  #anyArrival: (() => void)[] = [];

  private constructor(socketPath: string) {
    this.path = socketPath;
    this.#server = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = '';
        const tab = line.indexOf('\t');
        const name = tab < 0 ? line : line.slice(0, tab);
        const details = tab < 0 ? {} : (JSON.parse(line.slice(tab + 1)) as Details);
        const arrival = { ...details, name } as GateArrival<Details>;
        this.arrivals.push(arrival);
        this.#seen.set(name, (this.#seen.get(name) ?? 0) + 1);
        if (this.#openAll || this.#released.has(name) || this.#autoRelease?.(arrival) === true) {
          sock.write('go');
        } else {
          this.#arrivals.set(name, sock);
          for (const w of this.#waiters.get(name) ?? []) w();
          this.#waiters.delete(name);
        }
        for (const w of this.#anyArrival.splice(0)) w();
      });
      sock.on('error', () => {});
    });
  }

  static async open<Details extends object = Record<never, never>>(): Promise<Gate<Details>> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-'));
    // Reachable by tasks running under another user (mkdtemp makes the folder 0700).
    fs.chmodSync(dir, 0o755);
    const gate = new Gate<Details>(path.join(dir, 'g.sock'));
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

  /**
   * Resolves once `pred` holds for the arrivals so far; rejects after `ms`, listing them (a
   * bound on a hung test, not a timed assertion).
   */
  async until(pred: (arrivals: readonly GateArrival<Details>[]) => boolean, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.arrivals)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `gate: condition not met within ${ms} ms; arrivals: ${JSON.stringify(this.arrivals)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#anyArrival.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Releases the arrivals matching `pred`, those held now and those that come later. */
  autoRelease(pred: (arrival: GateArrival<Details>) => boolean): void {
    this.#autoRelease = pred;
    for (const arrival of this.arrivals) if (pred(arrival)) this.release(arrival.name);
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
