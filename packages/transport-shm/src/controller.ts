import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Frame, Transport, TransportContext, TransportHandler } from '@futures/core/transport';
import { Inbox } from './inbox.js';
import {
  CONTROL_BYTES,
  CTRL_BELL,
  CTRL_BELL_BYTES,
  CTRL_WAITING,
  CTRL_WANTS_SPACE,
  WORKER_BELL,
  WORKER_WAITING,
  WORKER_WANTS_SPACE,
  type WorkerBootData,
} from './layout.js';
import type { ResolvedShmOptions } from './options.js';
import { Outbox } from './outbox.js';
import { WorkerExitError, waitAsync } from './util.js';

/** The compiled worker entry (under vitest this module runs from src/, the entry from dist/). */
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('../dist/worker-entry.js', import.meta.url)
  : new URL('./worker-entry.js', import.meta.url);

/** One worker thread and its link. */
class Link {
  readonly ctl: Int32Array;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  /** Set once its first frame (ready or init-failed) arrived: until then it keeps the process alive. */
  connected = false;
  gone = false;
  refd = true;
  /** Why it died, from its 'error' event or from terminateWorker(). */
  error: Error | null = null;
  readonly exited: Promise<void>;
  resolveExited!: () => void;
  worker!: Worker;

  constructor(
    readonly id: number,
    readonly sab: SharedArrayBuffer,
    ringBytes: number,
    readonly port: MessagePort,
  ) {
    const ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.ctl = ctl;
    // Our writes wake the worker only if it announced it is waiting (WORKER_WAITING),
    // and the exchange makes one notify serve every frame until it sleeps again.
    this.outbox = new Outbox(
      sab,
      ringBytes,
      'to-worker',
      ctl,
      port,
      () => {
        if (Atomics.exchange(ctl, WORKER_WAITING, 0) !== 0) ring(ctl, WORKER_BELL);
      },
      // Arguments always go through the ring: the controller's copy then lands in the
      // ring's warm memory, and the fresh memory for the worker's copy is the worker's work.
      Number.POSITIVE_INFINITY,
    );
    this.inbox = new Inbox(sab, ringBytes, 'to-controller', ctl, port, () => {
      if (Atomics.exchange(ctl, WORKER_WANTS_SPACE, 0) !== 0) ring(ctl, WORKER_BELL);
    });
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }
}

/** Bumps a doorbell and wakes every thread (and waitAsync) waiting on it. */
function ring(arr: Int32Array, index: number): void {
  Atomics.add(arr, index, 1);
  Atomics.notify(arr, index);
}

/**
 * The controller side: starts worker threads, links each with two SharedArrayBuffer
 * rings, and waits for all of them with one Atomics.waitAsync on the controller bell,
 * so its event loop is never blocked.
 */
export class ShmTransport implements Transport {
  readonly name = 'shm';
  readonly #ctx: TransportContext;
  readonly #opts: ResolvedShmOptions;
  readonly #links = new Map<number, Link>();
  readonly #bell = new Int32Array(new SharedArrayBuffer(CTRL_BELL_BYTES));
  #handler: TransportHandler | null = null;
  #nextId = 1;
  #active = false;
  #stopping = false;
  #stopped = false;
  #stopPromise: Promise<void> | null = null;
  #waiting = false;
  #drainScheduled = false;
  readonly #onBell = (): void => {
    this.#waiting = false;
    this.#drain();
  };
  readonly #onImmediate = (): void => {
    this.#drainScheduled = false;
    this.#drain();
  };

  #threadsStarted = 0;
  #threadsExited = 0;

  /** Worker threads this transport started, and how many of them have exited (diagnostics, tests). */
  get threads(): { started: number; exited: number } {
    return { started: this.#threadsStarted, exited: this.#threadsExited };
  }

  constructor(ctx: TransportContext, opts: ResolvedShmOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
  }

  async start(handler: TransportHandler): Promise<number> {
    this.#handler = handler;
    try {
      for (let i = 0; i < this.#ctx.maxWorkers; i++) this.#spawn();
    } catch (error) {
      // e.g. execArgv a worker thread does not accept
      for (const link of this.#links.values()) void link.worker.terminate();
      throw error;
    }
    this.#drain();
    return this.#ctx.maxWorkers;
  }

  send(workerId: number, frame: Frame): void {
    const link = this.#links.get(workerId);
    if (link === undefined || link.gone) return; // lost: the executor already failed or requeued its tasks
    link.outbox.send(frame);
    if (link.outbox.pending) {
      // The ring is full: ask the worker to ring us when it frees room. The flag is set
      // before the re-check; the worker stores TAIL before it swaps the flag, so either we
      // see the room now or it sees the flag (sequentially consistent Atomics).
      Atomics.store(link.ctl, CTRL_WANTS_SPACE, 1);
      if (link.outbox.canProgress()) this.#scheduleDrain();
      else if (!this.#waiting) this.#scheduleDrain();
    }
  }

  setActive(active: boolean): void {
    this.#active = active;
    this.#updateRefs();
  }

  replaceWorker(lostWorkerId: number): void {
    void lostWorkerId;
    if (this.#stopping) return;
    queueMicrotask(() => {
      if (this.#stopping) return;
      try {
        this.#spawn();
      } catch (error) {
        this.#handler?.broken(error as Error);
      }
    });
  }

  terminateWorker(workerId: number): void {
    const link = this.#links.get(workerId);
    if (link === undefined) return;
    link.error ??= new WorkerExitError(`worker ${workerId} was terminated by the executor`, null);
    void link.worker.terminate();
  }

  stop(options: { force: boolean }): Promise<void> {
    if (this.#stopPromise !== null) {
      if (options.force) for (const link of this.#links.values()) void link.worker.terminate();
      return this.#stopPromise;
    }
    this.#stopping = true;
    this.#updateRefs(); // keep the process alive until every worker has exited
    this.#stopPromise = this.#stopAll(options.force);
    return this.#stopPromise;
  }

  async #stopAll(force: boolean): Promise<void> {
    const links = [...this.#links.values()];
    let timer: NodeJS.Timeout | undefined;
    if (force) {
      for (const link of links) void link.worker.terminate();
    } else {
      // Workers exit by themselves once they processed the stop message; a worker kept
      // busy (a task ignoring shutdown) is terminated after the grace period.
      timer = setTimeout(() => {
        for (const link of this.#links.values()) void link.worker.terminate();
      }, this.#opts.stopTimeout);
      timer.unref();
    }
    await Promise.all(links.map((l) => l.exited));
    clearTimeout(timer);
    this.#stopped = true;
    // Settle our own pending waitAsync so nothing is left waiting on the bell.
    ring(this.#bell, CTRL_BELL);
  }

  #spawn(): Link {
    const id = this.#nextId++;
    const ringBytes = this.#opts.ringBytes;
    const sab = new SharedArrayBuffer(CONTROL_BYTES + 2 * ringBytes);
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const link = new Link(id, sab, ringBytes, port1);
    const boot: WorkerBootData & { port: MessagePort } = {
      link: sab,
      bell: this.#bell.buffer as SharedArrayBuffer,
      ringBytes,
      runtimeUrl: this.#ctx.workerRuntimeUrl,
      typescript: this.#opts.typescript,
      largeResultBytes: this.#opts.largeResultBytes,
      workerId: id,
      port: port2,
    };
    const env = this.#ctx.env === null ? process.env : { ...process.env, ...this.#ctx.env };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: boot,
      transferList: [port2],
      env,
      ...(this.#ctx.execArgv === null ? {} : { execArgv: [...this.#ctx.execArgv] }),
      ...(this.#opts.resourceLimits === undefined ? {} : { resourceLimits: this.#opts.resourceLimits }),
    });
    link.worker = worker;
    this.#threadsStarted++;
    worker.on('error', (error: Error) => {
      link.error ??= error;
    });
    worker.on('exit', (code: number) => this.#onExit(link, code));
    this.#links.set(id, link);
    this.#handler!.workerJoined(id);
    return link;
  }

  #onExit(link: Link, code: number): void {
    this.#threadsExited++;
    // Frames it wrote before it died are valid: deliver them first.
    if (!this.#stopped) this.#pollLink(link);
    link.gone = true;
    link.port.close();
    this.#links.delete(link.id);
    link.resolveExited();
    if (this.#stopping) return;
    const reason =
      link.error ?? new WorkerExitError(`worker thread ${link.id} exited with code ${code}`, code);
    if (!link.connected) {
      // Died before it ever answered: replacing it would only loop. The pool cannot start.
      this.#handler!.broken(
        new WorkerExitError(`a worker thread failed to start: ${reason.message}`, code, { cause: reason }),
      );
      return;
    }
    this.#handler!.workerLost(link.id, reason);
  }

  #updateRefs(): void {
    for (const link of this.#links.values()) {
      const ref = this.#active || this.#stopping || !link.connected;
      if (ref === link.refd) continue;
      link.refd = ref;
      if (ref) link.worker.ref();
      else link.worker.unref();
    }
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(this.#onImmediate);
  }

  #pollLink(link: Link): void {
    const deliver = (frame: Frame): void => {
      if (!link.connected) {
        link.connected = true;
        this.#updateRefs();
      }
      try {
        this.#handler!.message(link.id, frame);
      } catch (error) {
        process.emitWarning(
          `futures shm: the executor failed on a frame from worker ${link.id}: ${String(error)}`,
        );
      }
    };
    link.inbox.poll(deliver);
    if (link.outbox.pending) link.outbox.pump();
  }

  /**
   * Reads every link, writes what waits, then sleeps on the controller bell. Race
   * reasoning for the sleep: we read the bell, then store CTRL_WAITING = 1 (and
   * CTRL_WANTS_SPACE on links with pending writes), then re-check every ring. A worker
   * stores HEAD (or TAIL) before it swaps the flag to 0 and bumps the bell. With
   * sequentially consistent Atomics either our re-check sees its bytes, or it sees our
   * flag and bumps the bell after we read it, so waitAsync(bell, seen) cannot sleep
   * through it: it resolves at once ('not-equal', possibly synchronously: then we drain
   * again) or is notified.
   */
  #drain(): void {
    if (this.#stopped || this.#handler === null) return;
    for (const link of this.#links.values()) if (!link.gone) this.#pollLink(link);
    if (this.#stopped || this.#waiting) return;
    const seen = Atomics.load(this.#bell, CTRL_BELL);
    Atomics.store(this.#bell, CTRL_WAITING, 1);
    let again = false;
    for (const link of this.#links.values()) {
      if (link.gone) continue;
      if (link.inbox.available()) again = true;
      if (link.outbox.pending) {
        Atomics.store(link.ctl, CTRL_WANTS_SPACE, 1);
        if (link.outbox.canProgress()) again = true;
      }
    }
    if (again) {
      // More arrived meanwhile: let microtasks (settled futures, new dispatches) run first.
      this.#scheduleDrain();
      return;
    }
    const r = waitAsync(this.#bell, CTRL_BELL, seen);
    if (!r.async) {
      this.#scheduleDrain(); // the bell moved since we read it
      return;
    }
    this.#waiting = true;
    void r.value.then(this.#onBell);
  }
}
