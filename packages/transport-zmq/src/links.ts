import type { Listener } from './listener.js';
import type { LocalWorker } from './local-workers.js';

/** The controller's link to one connected, joined worker (see docs/glossary.md). */
export interface Link {
  workerId: number;
  /** The ROUTER's routing id of its connection (a new connection is a new link). */
  identity: Buffer;
  /** The socket it is connected to. */
  via: Listener;
  /** The listener's tag and `identity`, as a map key. */
  key: string;
  host: string;
  pid: number;
  local: LocalWorker | null;
  /** It sent a frame since joining (its ready message, as far as bootup is concerned). */
  heardFrom: boolean;
}

/** How errors and logs name a worker: "worker 3 (node7 pid 4242)". */
export function workerName(s: Link): string {
  return `worker ${s.workerId} (${s.host} pid ${s.pid})`;
}

/** The links of one controller, by connection and by worker id, and waits on their changes. */
export class Links {
  readonly #byKey = new Map<string, Link>();
  readonly #byId = new Map<number, Link>();
  /**
   * Keys of recently ended links. A worker that dies (or is dropped) may have sent frames
   * the controller reads only after it ended the link: those are expected, not news.
   */
  readonly #ended = new Set<string>();
  #waiters: (() => void)[] = [];
  /** Links to be ended soon unless something ends them first (deferLoss). */
  readonly #pendingLoss = new Map<Link, NodeJS.Timeout>();
  /** Links whose worker has been heard from (sent its first frame). */
  heardFromCount = 0;

  get size(): number {
    return this.#byKey.size;
  }

  byKey(key: string): Link | undefined {
    return this.#byKey.get(key);
  }

  byId(workerId: number): Link | undefined {
    return this.#byId.get(workerId);
  }

  /** Whether `key` was a link that ended (recently: the last 4096 are remembered). */
  ended(key: string): boolean {
    return this.#ended.has(key);
  }

  all(): Link[] {
    return [...this.#byKey.values()];
  }

  add(s: Link): void {
    this.#byKey.set(s.key, s);
    this.#byId.set(s.workerId, s);
    this.changed();
  }

  /**
   * Runs `end` after `ms` unless `s` is removed first; nothing when a loss of `s` is pending
   * already. The timer never keeps the process alive.
   */
  deferLoss(s: Link, ms: number, end: () => void): void {
    if (this.#pendingLoss.has(s)) return;
    const timer = setTimeout(() => {
      this.#pendingLoss.delete(s);
      end();
    }, ms);
    timer.unref();
    this.#pendingLoss.set(s, timer);
  }

  /** Removes `s`; false when it was not (or no longer) a current link. */
  remove(s: Link): boolean {
    const timer = this.#pendingLoss.get(s);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#pendingLoss.delete(s);
    }
    if (this.#byKey.get(s.key) !== s) return false;
    this.#byKey.delete(s.key);
    this.#byId.delete(s.workerId);
    this.#ended.add(s.key);
    if (this.#ended.size > 4096) this.#ended.delete(this.#ended.values().next().value!);
    if (s.heardFrom) this.heardFromCount--;
    this.changed();
    return true;
  }

  /** Wakes whoever waits in `until` (links, or anything else they look at, changed). */
  changed(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves when `done()` holds or after `ms`, re-checking on every change. */
  async until(done: () => boolean, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
