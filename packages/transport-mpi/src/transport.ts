/**
 * The controller side of the MPI transport (the core Transport contract). Frames go to the
 * engine's progress thread and come back through its event batches; nothing here blocks
 * the event loop. Several executors may share one channel (static mode, comm executors): a
 * hub per channel routes frames by session.
 */
import { BrokenExecutorError } from '@futures/core';
import {
  type Frame,
  KeepAlive,
  type Transport,
  type TransportContext,
  type TransportHandler,
} from '@futures/core/transport';
import { type ChannelListener, type Engine, getEngine } from './engine.js';
import type { ResolvedMpiOptions } from './options.js';
import type { Opened, Target } from './targets.js';

/** Routes one controller channel's events to the executors (sessions) using it. */
class ControllerHub implements ChannelListener {
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

function hubFor(engine: Engine, channel: number): ControllerHub {
  const g = globalThis as HubHolder;
  g[HUBS] ??= new Map();
  let hub = g[HUBS].get(channel);
  if (hub === undefined) {
    hub = new ControllerHub();
    g[HUBS].set(channel, hub);
    engine.listen(channel, hub);
  }
  return hub;
}

function dropHub(channel: number): void {
  (globalThis as HubHolder)[HUBS]?.delete(channel);
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
  /** Core's keep-alive rule; it holds the engine (whose progress thread keeps the loop alive). */
  readonly #keepAlive = new KeepAlive((hold) => this.#holdEngine(hold));
  #engineHeld = false;
  #broken = false;
  /** A forced stop was asked for (at once, or while an orderly one waited for byes). */
  #forced = false;
  /** Workers not yet heard from (no first frame yet): while there are any, the pool is booting. */
  readonly #notHeardFrom = new Set<number>();
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
    this.#keepAlive.setBooting(true); // until every worker has been heard from
    this.#holdEngine(this.#keepAlive.holds);
    try {
      await engine.ready;
      const opened = await this.#target.open(engine, this.#ctx, this.#options);
      this.#opened = opened;
      this.#hub = hubFor(engine, opened.channel);
      this.#hub.sessions.set(opened.session, this);
      for (const w of opened.workers) this.#notHeardFrom.add(w);
      for (const w of opened.workers) handler.workerJoined(w + opened.idOffset);
      return opened.workers.length;
    } finally {
      this.#keepAlive.setBooting(this.#notHeardFrom.size > 0);
    }
  }

  send(workerId: number, frame: Frame): void {
    const o = this.#opened;
    if (o === null || this.#engine === null) return;
    const rank = workerId - o.idOffset;
    if (!this.#lost.has(rank)) this.#engine.send(o.channel, rank, o.session, frame);
  }

  setActive(active: boolean): void {
    this.#keepAlive.setActive(active);
  }

  stop(options: { force: boolean }): Promise<void> {
    if (options.force && !this.#forced) {
      // A forced stop overtakes an orderly one still waiting for byes (e.g. the executor
      // broke meanwhile: a worker whose initializer failed may never say bye).
      this.#forced = true;
      this.#byeWaiter?.();
    }
    if (this.#stopping === null) {
      this.#keepAlive.setStopping();
      this.#stopping = this.#stop();
    }
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#starting !== null) await this.#starting.catch(() => {});
    const engine = this.#engine;
    const opened = this.#opened;
    if (engine === null || opened === null) {
      this.#keepAlive.close();
      return;
    }
    try {
      if (!this.#forced && !engine.poisoned(opened.channel)) await this.#allSaidBye(opened);
      const force = this.#forced || engine.poisoned(opened.channel);
      this.#hub?.sessions.delete(opened.session);
      if (this.#hub !== null && this.#hub.sessions.size === 0 && this.#target.mode !== 'static')
        dropHub(opened.channel);
      if (!engine.finalized) await this.#target.close(engine, opened, force);
    } finally {
      this.#keepAlive.close();
    }
  }

  #holdEngine(hold: boolean): void {
    const engine = this.#engine;
    if (engine === null || hold === this.#engineHeld) return;
    this.#engineHeld = hold;
    if (hold) engine.hold();
    else engine.release();
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
    if (this.#notHeardFrom.size > 0) this.#heard(rank);
    this.#handler?.message(rank + this.#opened!.idOffset, frame);
  }

  /** Its first frame arrived, or it was lost: it no longer keeps the pool booting. */
  #heard(rank: number): void {
    if (this.#notHeardFrom.delete(rank)) this.#keepAlive.setBooting(this.#notHeardFrom.size > 0);
  }

  onBye(rank: number): void {
    this.#byes.add(rank);
    this.#byeWaiter?.();
  }

  onLost(rank: number, why: string, pid: number): void {
    const opened = this.#opened;
    if (opened === null || !opened.workers.includes(rank) || this.#lost.has(rank)) return;
    this.#lost.add(rank);
    this.#heard(rank);
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
