import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import {
  type Frame,
  KeepAlive,
  type Transport,
  type TransportContext,
  type TransportHandler,
  workerEntryUrl,
  workerLaunch,
} from '@futures/core/transport';
import { Bell, raise } from './bell.js';
import { WorkerExitError } from './errors.js';
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

const WORKER_ENTRY = workerEntryUrl(import.meta.url);

/** One worker thread and its link. */
class Link {
  readonly ctl: Int32Array;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  /** Set once its first frame (ready or init-failed) arrived: until then the pool is booting. */
  heardFrom = false;
  gone = false;
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
    // The worker's bell rings when it sleeps waiting for frames, or for room (bell.ts).
    const workerBell = new Bell(ctl, WORKER_BELL);
    this.outbox = new Outbox(
      sab,
      ringBytes,
      'to-worker',
      ctl,
      port,
      workerBell.wakerFor(ctl, WORKER_WAITING),
      // Arguments always go through the ring: the controller's copy then lands in the
      // ring's warm memory, and the fresh memory for the worker's copy is the worker's work.
      Number.POSITIVE_INFINITY,
    );
    this.inbox = new Inbox(
      sab,
      ringBytes,
      'to-controller',
      ctl,
      port,
      workerBell.wakerFor(ctl, WORKER_WANTS_SPACE),
    );
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
  }
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
  readonly #bell = new Bell(new Int32Array(new SharedArrayBuffer(CTRL_BELL_BYTES)), CTRL_BELL);
  #handler: TransportHandler | null = null;
  #nextId = 1;
  /** Workers not yet heard from: while there are any, the pool is booting. */
  readonly #notHeardFrom = new Set<number>();
  readonly #keepAlive = new KeepAlive((hold) => this.#setRefs(hold));
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
    // The ring is full: ask the worker for room. When we are not asleep on the bell, a drain
    // is due anyway and sleeps with the same request (#drain); when we are, the raised flag
    // makes the worker ring us once it frees room.
    if (link.outbox.pending && (this.#askForRoom(link) || !this.#waiting)) this.#scheduleDrain();
  }

  setActive(active: boolean): void {
    this.#keepAlive.setActive(active);
  }

  replaceWorker(lostWorkerId: number): void {
    void lostWorkerId;
    if (this.#keepAlive.stopping) return;
    queueMicrotask(() => {
      if (this.#keepAlive.stopping) return;
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
    this.#keepAlive.setStopping(); // keep the process alive until every worker has exited
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
    this.#keepAlive.close();
    // Settle our own pending waitAsync so nothing is left waiting on the bell.
    this.#bell.ring();
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
      bell: this.#bell.words.buffer as SharedArrayBuffer,
      ringBytes,
      runtimeUrl: this.#ctx.workerRuntimeUrl,
      typescript: this.#opts.typescript,
      largeResultBytes: this.#opts.largeResultBytes,
      workerId: id,
      port: port2,
    };
    const { env, execArgv } = workerLaunch(this.#ctx, 'thread');
    const worker = new Worker(WORKER_ENTRY, {
      workerData: boot,
      transferList: [port2],
      env,
      ...(execArgv === null ? {} : { execArgv: [...execArgv] }),
      ...(this.#opts.resourceLimits === undefined ? {} : { resourceLimits: this.#opts.resourceLimits }),
    });
    link.worker = worker;
    this.#threadsStarted++;
    worker.on('error', (error: Error) => {
      link.error ??= error;
    });
    worker.on('exit', (code: number) => this.#onExit(link, code));
    this.#links.set(id, link);
    this.#notHeardFrom.add(id);
    this.#keepAlive.setBooting(true); // refs every worker, this one included
    if (!this.#keepAlive.holds) worker.unref();
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
    this.#stopWaitingFor(link.id);
    link.resolveExited();
    if (this.#keepAlive.stopping) return;
    const reason =
      link.error ?? new WorkerExitError(`worker thread ${link.id} exited with code ${code}`, code);
    if (!link.heardFrom) {
      // Died before it ever answered: replacing it would only loop. The pool cannot start.
      this.#handler!.broken(
        new WorkerExitError(`a worker thread failed to start: ${reason.message}`, code, { cause: reason }),
      );
      return;
    }
    this.#handler!.workerLost(link.id, reason);
  }

  /**
   * The keep-alive rule is core's (KeepAlive): the worker threads hold the process while the
   * executor has work, while some worker has not yet been heard from, or while stopping.
   * ref()/unref() of a Worker is safe here on Node 20 because nothing here ever listens on
   * the Worker's own message port: Worker.ref()/unref() toggle its handle and that port
   * together, and a 'message' listener added after unref() would ref the port again and keep
   * the process alive for good (nodejs/node#53036, closed as won't fix). Frames travel
   * through the rings and our own MessageChannel, whose port1 is unref'd once at spawn and
   * read only with receiveMessageOnPort (no listener), so it never holds the loop either.
   * test/process.test.ts checks both directions.
   */
  #setRefs(hold: boolean): void {
    for (const link of this.#links.values()) {
      if (hold) link.worker.ref();
      else link.worker.unref();
    }
  }

  /** Its first frame arrived. */
  #heard(link: Link): void {
    link.heardFrom = true;
    this.#stopWaitingFor(link.id);
  }

  /** Heard from, or exited: it no longer keeps the pool booting. */
  #stopWaitingFor(id: number): void {
    if (this.#notHeardFrom.delete(id)) this.#keepAlive.setBooting(this.#notHeardFrom.size > 0);
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(this.#onImmediate);
  }

  #pollLink(link: Link): void {
    const deliver = (frame: Frame): void => {
      if (!link.heardFrom) this.#heard(link);
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
   * Asks `link`'s worker to ring us when it frees room in the to-worker ring (raised before
   * the re-check, as bell.ts explains). True when there is room already.
   */
  #askForRoom(link: Link): boolean {
    raise(link.ctl, CTRL_WANTS_SPACE);
    return link.outbox.canProgress();
  }

  /**
   * Reads every link, writes what waits, then sleeps on the controller bell until a worker
   * rings it (the wake-up protocol and why it loses no ring: bell.ts). Never blocks: the
   * sleep is a waitAsync.
   */
  #drain(): void {
    if (this.#stopped || this.#handler === null) return;
    for (const link of this.#links.values()) if (!link.gone) this.#pollLink(link);
    if (this.#stopped || this.#waiting) return;
    const seen = this.#bell.prepareSleep(
      () => raise(this.#bell.words, CTRL_WAITING),
      () => {
        let work = false;
        for (const link of this.#links.values()) {
          if (link.gone) continue;
          if (link.inbox.available()) work = true;
          if (link.outbox.pending && this.#askForRoom(link)) work = true;
        }
        return work;
      },
    );
    // Work arrived meanwhile, or the bell moved since we read it: drain again, after the
    // microtasks (settled futures, new dispatches) have run.
    const rung = seen === null ? null : this.#bell.sleepAsync(seen);
    if (rung === null) {
      this.#scheduleDrain();
      return;
    }
    this.#waiting = true;
    void rung.then(this.#onBell);
  }
}
