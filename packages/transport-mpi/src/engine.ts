/**
 * The process-wide MPI engine on the JavaScript side: owns the addon's progress thread,
 * decodes its event batches and turns them into calls on channel listeners, keeps out-of-band buffers alive
 * until MPI has sent them, and ends MPI when the process exits. One per process (MPI has
 * one life per process), shared by every executor and every copy of this package.
 */
import type { Frame } from '@futures/core/transport';
import { MpiError } from './errors.js';
import { applySingletonDefaults } from './launcher-env.js';
import { awaitLauncher, launcherLifelineSeconds, lostHostsAnswer } from './lifeline.js';
import { loadNative, type NativeAddon, SendFlag } from './native.js';
import {
  type AnswerEvent,
  type AnswerKind,
  type AnswerOf,
  decodeEvent,
  META_STRIDE,
  type NativeEvent,
} from './native-events.js';
import { PeerBook } from './peers.js';

/** Callbacks for one channel (JavaScript thread). */
export interface ChannelListener {
  frame?(rank: number, session: number, frame: Frame): void;
  bye?(rank: number, session: number): void;
  lost?(rank: number, why: string, pid: number): void;
  hello?(rank: number, pid: number, host: string): void;
  terminate?(): void;
  sessionClose?(session: number): void;
  closed?(): void;
}

export interface ReadyInfo {
  rank: number;
  size: number;
  /** MPI_UNIVERSE_SIZE (processes the job may have in all), or null where the MPI does not set it. */
  universeSize: number | null;
  /** The channel to the parent, in a process started by MPI_Comm_spawn; else -1. */
  parentChannel: number;
  threadLevel: number;
  library: string;
}

export interface EngineOptions {
  /** Longest idle sleep of the progress thread (ms). */
  backoff: number;
  /** A worker silent this long (ms) is lost; 0: never. */
  heartbeatTimeout: number;
  /** A singleton may set OMPI_MCA_rmaps_base_oversubscribe=1 before MPI starts. */
  oversubscribe: boolean;
}

const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Bound on the wait for the verdict on a lost rank's host (the progress thread decides within ~2.5 s of the loss). */
const DOUBT_TIMEOUT_MS = 10_000;

export class Engine {
  readonly native: NativeAddon;
  readonly ready: Promise<ReadyInfo>;
  #resolveReady!: (r: ReadyInfo) => void;
  #rejectReady!: (e: Error) => void;
  #readyInfo: ReadyInfo | null = null;
  #ticket = 0;
  readonly #pending = new Map<number, (answer: AnswerEvent) => void>();
  readonly #keep = new Map<number, unknown>();
  readonly #listeners = new Map<number, ChannelListener>();
  /** Events for channels whose listener is not installed yet (e.g. while a module import is pending). */
  readonly #early = new Map<number, ((l: ChannelListener) => void)[]>();
  /** Peers by channel (same-host leftovers are killed when a rank died); channels served as a worker. */
  readonly peers = new PeerBook();
  readonly #poisonedChannels = new Set<number>();
  #holds = 0;
  /** Set when a request timed out: the progress thread is blocked in MPI for good. */
  #stuck: Error | null = null;
  #finalized = false;
  #shutDown = false;
  /** A rank was lost by heartbeat timeout (silent, maybe on an unreachable host), not seen to exit. */
  #lostByHeartbeat = false;

  constructor(native: NativeAddon, options: EngineOptions) {
    this.native = native;
    this.ready = new Promise<ReadyInfo>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {});
    applySingletonDefaults(options.oversubscribe);
    native.start((meta, views, texts) => this.#onEvents(meta, views, texts), {
      backoffUs: options.backoff * 1000,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: options.heartbeatTimeout,
    });
    process.on('exit', (code) => this.shutdownSync(code));
    this.hold(); // until MPI reports ready (or fails)
    this.ready.then(
      () => this.release(),
      () => this.release(),
    );
  }

  /** Later executors may ask for another backoff: the latest wins. */
  configure(options: Partial<EngineOptions>): void {
    if (options.backoff !== undefined && !this.#shutDown) this.native.setBackoff(options.backoff * 1000);
  }

  get info(): ReadyInfo | null {
    return this.#readyInfo;
  }

  get finalized(): boolean {
    return this.#finalized || this.#shutDown;
  }

  /** Keeps the event loop alive until release() (counted). */
  hold(): void {
    if (this.#holds++ === 0 && !this.#shutDown) {
      this.native.ref();
      this.native.setIdle(false);
    }
  }

  release(): void {
    if (--this.#holds === 0 && !this.#shutDown) {
      this.native.unref();
      this.native.setIdle(true);
    }
  }

  nextTicket(): number {
    this.#ticket = this.#ticket >= Number.MAX_SAFE_INTEGER ? 1 : this.#ticket + 1;
    return this.#ticket;
  }

  /**
   * Runs a native command answered by one event of kind `answer` carrying its ticket; keeps
   * the loop alive meanwhile. With `timeout` (ms, > 0), gives up after it: `onTimeout` makes the error, and
   * the engine counts as stuck (the progress thread is still inside that MPI call, which
   * nothing can interrupt): every later request fails at once with that error.
   */
  request<K extends AnswerKind>(
    answer: K,
    issue: (ticket: number) => void,
    keep?: unknown,
    timeout?: { ms: number; onTimeout: () => Error },
  ): Promise<AnswerOf<K>> {
    if (this.#stuck !== null) return Promise.reject(this.#stuck);
    const ticket = this.nextTicket();
    return new Promise<AnswerOf<K>>((resolve, reject) => {
      this.hold();
      let timer: NodeJS.Timeout | null = null;
      this.#pending.set(ticket, (event) => {
        if (timer !== null) clearTimeout(timer);
        this.#keep.delete(ticket);
        this.release();
        if (event.kind === answer) resolve(event as AnswerOf<K>);
        else
          reject(
            new MpiError(`futures: the MPI addon answered a ${answer} request with a ${event.kind} event`),
          );
      });
      if (timeout !== undefined && timeout.ms > 0) {
        timer = setTimeout(() => {
          if (!this.#pending.delete(ticket)) return;
          this.#keep.delete(ticket);
          this.#stuck = timeout.onTimeout();
          this.release();
          reject(this.#stuck);
        }, timeout.ms);
      }
      if (keep !== undefined) this.#keep.set(ticket, keep);
      try {
        issue(ticket);
      } catch (error) {
        this.#pending.delete(ticket);
        this.#keep.delete(ticket);
        this.release();
        reject(error);
      }
    });
  }

  /** Sends a frame; its buffers stay referenced until MPI is done with them. */
  send(channel: number, dest: number, session: number, frame: Frame): void {
    if (this.#shutDown) return;
    const ticket = this.nextTicket();
    if (
      this.native.send(
        channel,
        dest,
        session,
        frame.head,
        frame.bufs.length > 0 ? frame.bufs : null,
        ticket,
        SendFlag.None,
      )
    ) {
      this.#keep.set(ticket, frame);
    }
  }

  /** Tells the controller that this worker closed `session` (ordered after its last results). */
  bye(channel: number, dest: number, session: number): void {
    if (this.#shutDown) return;
    this.native.send(channel, dest, session, new Uint8Array(0), null, 0, SendFlag.Bye);
  }

  control(channel: number, dest: number, kind: number, session = 0): void {
    if (!this.#shutDown) this.native.control(channel, dest, kind, session, 0, 0);
  }

  listen(channel: number, listener: ChannelListener): void {
    this.#listeners.set(channel, listener);
    const early = this.#early.get(channel);
    if (early) {
      this.#early.delete(channel);
      for (const replay of early) replay(listener);
    }
  }

  unlisten(channel: number): void {
    this.#listeners.delete(channel);
    this.#early.delete(channel);
  }

  /** Whether a rank of this channel died. */
  poisoned(channel: number): boolean {
    return this.#poisonedChannels.has(channel);
  }

  /** Ends MPI now (process exit): terminates workers, disconnects, finalizes; bounded. */
  shutdownSync(exitCode = 0): void {
    if (this.#shutDown) return;
    // A worker exiting while it still serves (an exit or uncaught error in a task) tells its
    // controllers why first; the progress thread then ends without finalizing.
    this.peers.sendDying(exitCode, (channel, rank, reason) =>
      this.native.send(channel, rank, 0, reason, null, 0, SendFlag.Dying),
    );
    this.#shutDown = true;
    this.peers.killLocal(this.#poisonedChannels);
    // A rank lost by heartbeat was killed if its host still answers: the job can end at once.
    if (this.#lostByHeartbeat && this.#stuck === null && launcherLifelineSeconds() > 0)
      this.#lostByHeartbeat = !lostHostsAnswer(this.native, DOUBT_TIMEOUT_MS);
    if (this.#stuck !== null) {
      // The progress thread is blocked in MPI for good: it cannot end, do not wait for it.
      this.native.shutdown(0);
      process.stderr.write(`futures(mpi): exiting without MPI_Finalize (${this.#stuck.message})\n`);
    } else if (!this.native.shutdown(SHUTDOWN_TIMEOUT_MS)) {
      process.stderr.write(
        `futures(mpi): MPI did not end within ${SHUTDOWN_TIMEOUT_MS} ms; exiting without MPI_Finalize\n`,
      );
    }
    if (this.#lostByHeartbeat) awaitLauncher();
  }

  #onEvents(meta: Float64Array, views: Uint8Array[], texts: string[]): void {
    for (let i = 0; i < meta.length; i += META_STRIDE) {
      const event = decodeEvent(meta, i, views, texts);
      if (event === undefined) continue;
      try {
        this.#dispatch(event);
      } catch (error) {
        // A throw here would be swallowed by the thread-safe function: rethrow it uncaught.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  /** Calls the channel's listener, or keeps the call until one listens. */
  #toChannel(channel: number, call: (l: ChannelListener) => void): void {
    const l = this.#listeners.get(channel);
    if (l !== undefined) {
      call(l);
      return;
    }
    const list = this.#early.get(channel) ?? [];
    list.push(call);
    this.#early.set(channel, list);
  }

  #dispatch(event: NativeEvent): void {
    switch (event.kind) {
      case 'frame': {
        // the hot path: straight to a listener that is there (no closure)
        const l = this.#listeners.get(event.channel);
        if (l !== undefined) l.frame?.(event.rank, event.session, event.frame);
        else this.#toChannel(event.channel, (later) => later.frame?.(event.rank, event.session, event.frame));
        return;
      }
      case 'sent':
        this.#keep.delete(event.ticket);
        return;
      case 'bye':
        this.#toChannel(event.channel, (l) => l.bye?.(event.rank, event.session));
        return;
      case 'ready':
        this.#readyInfo = {
          rank: event.worldRank,
          size: event.worldSize,
          universeSize: event.universeSize,
          parentChannel: event.parentChannel,
          threadLevel: event.threadLevel,
          library: event.library,
        };
        this.#resolveReady(this.#readyInfo);
        return;
      case 'channelOpen':
      case 'collectiveDone':
      case 'pingPongDone':
        this.#settle(event);
        return;
      case 'channelClosed':
        if (event.ticket !== 0) this.#settle(event);
        else this.#toChannel(event.channel, (l) => l.closed?.());
        return;
      case 'hello':
        this.peers.hello(event.channel, event.rank, event.pid, event.host);
        this.#toChannel(event.channel, (l) => l.hello?.(event.rank, event.pid, event.host));
        return;
      case 'rankLost':
        if (event.byHeartbeatTimeout) this.#lostByHeartbeat = true;
        this.#poisonedChannels.add(event.channel);
        this.peers.lost(event.channel, event.rank);
        this.#toChannel(event.channel, (l) => l.lost?.(event.rank, event.reason, event.pid));
        return;
      case 'terminate':
        this.#toChannel(event.channel, (l) => l.terminate?.());
        return;
      case 'sessionClose':
        this.#toChannel(event.channel, (l) => l.sessionClose?.(event.session));
        return;
      case 'finalized':
        this.#finalized = true;
        return;
      case 'error':
        if (this.#readyInfo === null)
          this.#rejectReady(new MpiError(`futures: MPI failed to start: ${event.message}`));
        else process.emitWarning(`futures(mpi): ${event.message}`, { code: 'FUTURES_MPI' });
        return;
    }
  }

  #settle(answer: AnswerEvent): void {
    const done = this.#pending.get(answer.ticket);
    if (done === undefined) return;
    this.#pending.delete(answer.ticket);
    done(answer);
  }
}

const STATE = Symbol.for('@futures/transport-mpi/engine');
type State = { [STATE]?: Engine };

/** The process's engine, started on first use with these options. */
export function getEngine(options: EngineOptions): Engine {
  const g = globalThis as State;
  const existing = g[STATE];
  if (existing !== undefined) {
    existing.configure(options);
    return existing;
  }
  const engine = new Engine(loadNative(), options);
  g[STATE] = engine;
  return engine;
}

/** The engine if one was started in this process. */
export function existingEngine(): Engine | undefined {
  return (globalThis as State)[STATE];
}
