/**
 * The controller side of the MPI transport (the core Transport contract). Frames go to the
 * engine's progress thread and come back through its event batches; nothing here blocks
 * the event loop. Several executors may share one link (static mode, comm executors): a
 * hub per link routes frames by session.
 */
import { BrokenExecutorError } from '@futures/core';
import type { Frame, Transport, TransportContext, TransportHandler } from '@futures/core/transport';
import { type Engine, getEngine, type LinkListener } from './engine.js';
import type { ResolvedMpiOptions } from './options.js';
import type { Opened, Target } from './targets.js';

/** Routes one controller link's events to the executors (sessions) using it. */
class ControllerHub implements LinkListener {
  readonly sessions = new Map<number, MpiTransport>();
  frame(rank: number, session: number, frame: Frame): void {
    this.sessions.get(session)?.onFrame(rank, frame);
  }
  bye(rank: number, session: number): void {
    this.sessions.get(session)?.onBye(rank);
  }
  lost(rank: number, why: string, pid: number): void {
    for (const t of [...this.sessions.values()]) t.onLost(rank, why, pid);
  }
}

const HUBS = Symbol.for('@futures/transport-mpi/hubs');
type HubHolder = { [HUBS]?: Map<number, ControllerHub> };

function hubFor(engine: Engine, link: number): ControllerHub {
  const g = globalThis as HubHolder;
  g[HUBS] ??= new Map();
  let hub = g[HUBS].get(link);
  if (hub === undefined) {
    hub = new ControllerHub();
    g[HUBS].set(link, hub);
    engine.listen(link, hub);
  }
  return hub;
}

function dropHub(link: number): void {
  (globalThis as HubHolder)[HUBS]?.delete(link);
}

export class MpiTransport implements Transport {
  readonly name = 'mpi';
  readonly #ctx: TransportContext;
  readonly #options: ResolvedMpiOptions;
  readonly #target: Target;
  #engine: Engine | null = null;
  #handler: TransportHandler | null = null;
  #opened: Opened | null = null;
  #hub: ControllerHub | null = null;
  #starting: Promise<number> | null = null;
  #stopping: Promise<void> | null = null;
  #active = false;
  #broken = false;
  /** A forced stop was asked for (at once, or while an orderly one waited for byes). */
  #forced = false;
  /** Workers that have not sent their first frame yet: the loop stays alive until they have (bootup). */
  readonly #silent = new Set<number>();
  #bootHold = false;
  readonly #byes = new Set<number>();
  readonly #lost = new Set<number>();
  #byeWaiter: (() => void) | null = null;

  constructor(ctx: TransportContext, options: ResolvedMpiOptions, target: Target) {
    this.#ctx = ctx;
    this.#options = options;
    this.#target = target;
  }

  get mode(): string {
    return this.#target.mode;
  }

  start(handler: TransportHandler): Promise<number> {
    this.#starting ??= this.#start(handler);
    return this.#starting;
  }

  async #start(handler: TransportHandler): Promise<number> {
    this.#handler = handler;
    const engine = getEngine({
      backoff: this.#options.backoff,
      heartbeatTimeout: this.#options.heartbeatTimeout,
      oversubscribe: this.#options.oversubscribe,
    });
    this.#engine = engine;
    if (this.#active) engine.hold();
    engine.hold(); // while starting
    try {
      await engine.ready;
      const opened = await this.#target.open(engine, this.#ctx, this.#options);
      this.#opened = opened;
      this.#hub = hubFor(engine, opened.link);
      this.#hub.sessions.set(opened.session, this);
      for (const w of opened.workers) this.#silent.add(w);
      if (this.#silent.size > 0) {
        this.#bootHold = true;
        engine.hold();
      }
      for (const w of opened.workers) handler.workerJoined(w + opened.idOffset);
      return opened.workers.length;
    } finally {
      engine.release();
    }
  }

  send(workerId: number, frame: Frame): void {
    const o = this.#opened;
    if (o === null || this.#engine === null) return;
    const rank = workerId - o.idOffset;
    if (!this.#lost.has(rank)) this.#engine.send(o.link, rank, o.session, frame);
  }

  setActive(active: boolean): void {
    if (active === this.#active) return;
    this.#active = active;
    if (this.#engine === null) return;
    if (active) this.#engine.hold();
    else this.#engine.release();
  }

  stop(options: { force: boolean }): Promise<void> {
    if (options.force && !this.#forced) {
      // A forced stop overtakes an orderly one still waiting for byes (e.g. the executor
      // broke meanwhile: a worker whose initializer failed may never say bye).
      this.#forced = true;
      this.#byeWaiter?.();
    }
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#starting !== null) await this.#starting.catch(() => {});
    const engine = this.#engine;
    const opened = this.#opened;
    if (engine === null || opened === null) {
      this.setActive(false);
      return;
    }
    engine.hold();
    try {
      if (!this.#forced && !engine.poisoned(opened.link)) await this.#allSaidBye(opened);
      const force = this.#forced || engine.poisoned(opened.link);
      this.#hub?.sessions.delete(opened.session);
      if (this.#hub !== null && this.#hub.sessions.size === 0 && this.#target.mode !== 'static')
        dropHub(opened.link);
      if (!engine.finalized) await this.#target.close(engine, opened, force);
    } finally {
      if (this.#bootHold) {
        this.#bootHold = false;
        engine.release();
      }
      engine.release();
      this.setActive(false);
    }
  }

  #allSaidBye(opened: Opened): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.#forced || opened.workers.every((w) => this.#byes.has(w) || this.#lost.has(w))) {
          this.#byeWaiter = null;
          resolve();
          return true;
        }
        return false;
      };
      if (!check()) this.#byeWaiter = check as () => void;
    });
  }

  // ---- from the hub (JavaScript thread) ----

  onFrame(rank: number, frame: Frame): void {
    if (this.#bootHold) this.#heard(rank);
    this.#handler?.message(rank + this.#opened!.idOffset, frame);
  }

  #heard(rank: number): void {
    this.#silent.delete(rank);
    if (this.#silent.size === 0 && this.#bootHold) {
      this.#bootHold = false;
      this.#engine?.release();
    }
  }

  onBye(rank: number): void {
    this.#byes.add(rank);
    this.#byeWaiter?.();
  }

  onLost(rank: number, why: string, pid: number): void {
    const opened = this.#opened;
    if (opened === null || !opened.workers.includes(rank) || this.#lost.has(rank)) return;
    this.#lost.add(rank);
    if (this.#bootHold) this.#heard(rank);
    this.#byeWaiter?.();
    if (this.#broken) return;
    this.#broken = true;
    const who = `MPI worker ${rank + opened.idOffset} (rank ${rank}${pid > 0 ? `, pid ${pid}` : ''})`;
    this.#handler?.broken(
      new BrokenExecutorError(
        `${who} was lost: ${why}. An MPI job cannot continue without one of its ranks: the executor is broken ` +
          '(pending and later tasks fail with this error) and MPI will not be finalized cleanly.',
      ),
    );
  }
}
