/**
 * The worker side of a channel: one core worker runtime per session (each executor of the
 * controller is a session), fed with the frames of that session. Used by spawned workers,
 * static-mode servers (ranks 1..N-1) and the non-root ranks of a comm executor.
 */
import type { Frame, WorkerEndpoint } from '@futures/core/transport';
import type { WorkerRuntime } from '@futures/core/worker';
import type { ChannelListener, Engine } from './engine.js';
import { MpiRankLostError } from './errors.js';
import { setWorkerChannel } from './worker-channel.js';

export type ServeWorker = (endpoint: WorkerEndpoint) => WorkerRuntime;

export interface WorkerServerOptions {
  engine: Engine;
  channel: number;
  controllerRank: number;
  serveWorker: ServeWorker;
  /** This worker in the workers' communicator (getCommWorkers). */
  workersRank: number;
  workersSize: number;
}

/** How serving ended: the controller terminated the channel (or the process), or closed it. */
export type ServeEnd = 'terminated' | 'closed';

interface Session {
  runtime: WorkerRuntime;
  closed: boolean;
}

export class WorkerServer implements ChannelListener {
  readonly done: Promise<ServeEnd>;
  readonly #o: WorkerServerOptions;
  readonly #sessions = new Map<number, Session>();
  readonly #ended = new Set<number>();
  #resolve!: (end: ServeEnd) => void;
  #reject!: (error: Error) => void;
  #finished = false;

  constructor(options: WorkerServerOptions) {
    this.#o = options;
    this.done = new Promise<ServeEnd>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    setWorkerChannel({
      engine: options.engine,
      channel: options.channel,
      rank: options.workersRank,
      size: options.workersSize,
    });
    options.engine.hold(); // a serving worker stays alive until its controller ends it
    options.engine.peers.serve(options.channel, options.controllerRank); // told if this process dies
    options.engine.listen(options.channel, this);
  }

  frame(_rank: number, session: number, frame: Frame): void {
    let s = this.#sessions.get(session);
    if (s === undefined) {
      if (this.#ended.has(session) || this.#finished) return; // a straggler of a closed session
      s = this.#open(session);
    }
    s.runtime.handle(frame);
  }

  #open(session: number): Session {
    const { engine, channel, controllerRank } = this.#o;
    const state: Session = { runtime: null as unknown as WorkerRuntime, closed: false };
    state.runtime = this.#o.serveWorker({
      send: (frame) => {
        if (!state.closed) engine.send(channel, controllerRank, session, frame);
      },
      close: () => {
        if (state.closed) return;
        state.closed = true;
        engine.bye(channel, controllerRank, session);
        this.#forget(session);
      },
    });
    this.#sessions.set(session, state);
    return state;
  }

  #forget(session: number): void {
    this.#sessions.delete(session);
    this.#ended.add(session);
  }

  sessionClose(session: number): void {
    const s = this.#sessions.get(session);
    if (s !== undefined) s.closed = true; // its running task finishes; its results go nowhere
    this.#forget(session);
  }

  terminate(): void {
    this.#finish('terminated');
  }

  closed(): void {
    this.#finish('closed');
  }

  lost(rank: number, why: string, pid: number): void {
    if (rank !== this.#o.controllerRank || this.#finished) return;
    this.#finished = true;
    this.#cleanup();
    this.#reject(new MpiRankLostError(`futures: the controller rank ${rank} was lost: ${why}`, rank, pid));
  }

  #finish(end: ServeEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#cleanup();
    this.#resolve(end);
  }

  #cleanup(): void {
    for (const s of this.#sessions.values()) s.closed = true;
    this.#sessions.clear();
    this.#o.engine.unlisten(this.#o.channel);
    this.#o.engine.peers.unserve(this.#o.channel);
    this.#o.engine.release();
    setWorkerChannel(null);
  }
}
