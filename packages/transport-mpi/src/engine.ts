/**
 * The process-wide MPI engine on the JavaScript side: owns the addon's progress thread,
 * turns its event batches into calls on link listeners, keeps out-of-band buffers alive
 * until MPI has sent them, and ends MPI when the process exits. One per process (MPI has
 * one life per process), shared by every executor and every copy of this package.
 */
import type { Frame } from '@futures/core/transport';
import { MpiError } from './errors.js';
import { applySingletonDefaults } from './launcher-env.js';
import { awaitLauncher, launcherLifelineSeconds, lostHostsAnswer } from './lifeline.js';
import { EventKind, loadNative, META_STRIDE, type NativeAddon, SendFlag } from './native.js';
import { PeerBook } from './peers.js';

/** Callbacks for one link (JavaScript thread). */
export interface LinkListener {
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
  /** The link to the parent, in a process started by MPI_Comm_spawn; else -1. */
  parentLink: number;
  threadLevel: number;
  library: string;
}

export interface EventRow {
  kind: number;
  link: number;
  rank: number;
  session: number;
  ticket: number;
  a: number;
  b: number;
  text: string | undefined;
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
  readonly #pending = new Map<number, (row: EventRow) => void>();
  readonly #keep = new Map<number, unknown>();
  readonly #listeners = new Map<number, LinkListener>();
  /** Events for links whose listener is not installed yet (e.g. while a module import is pending). */
  readonly #early = new Map<number, ((l: LinkListener) => void)[]>();
  /** Peers by link (same-host leftovers are killed when a rank died); links served as a worker. */
  readonly peers = new PeerBook();
  readonly #poisonedLinks = new Set<number>();
  #holds = 0;
  /** Set when a request timed out: the progress thread is blocked in MPI for good. */
  #stuck: Error | null = null;
  #finalized = false;
  #shutDown = false;
  /** A rank was lost by heartbeat timeout (silent, maybe on an unreachable host), not seen to exit. */
  #lostSilently = false;

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
   * Runs a native command answered by one event carrying its ticket; keeps the loop alive
   * meanwhile. With `timeout` (ms, > 0), gives up after it: `onTimeout` makes the error, and
   * the engine counts as stuck (the progress thread is still inside that MPI call, which
   * nothing can interrupt): every later request fails at once with that error.
   */
  request(
    issue: (ticket: number) => void,
    keep?: unknown,
    timeout?: { ms: number; onTimeout: () => Error },
  ): Promise<EventRow> {
    if (this.#stuck !== null) return Promise.reject(this.#stuck);
    const ticket = this.nextTicket();
    return new Promise<EventRow>((resolve, reject) => {
      this.hold();
      let timer: NodeJS.Timeout | null = null;
      this.#pending.set(ticket, (row) => {
        if (timer !== null) clearTimeout(timer);
        this.#keep.delete(ticket);
        this.release();
        resolve(row);
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
  send(link: number, dest: number, session: number, frame: Frame): void {
    if (this.#shutDown) return;
    const ticket = this.nextTicket();
    if (
      this.native.send(
        link,
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
  bye(link: number, dest: number, session: number): void {
    if (this.#shutDown) return;
    this.native.send(link, dest, session, new Uint8Array(0), null, 0, SendFlag.Bye);
  }

  control(link: number, dest: number, kind: number, session = 0): void {
    if (!this.#shutDown) this.native.control(link, dest, kind, session, 0, 0);
  }

  listen(link: number, listener: LinkListener): void {
    this.#listeners.set(link, listener);
    const early = this.#early.get(link);
    if (early) {
      this.#early.delete(link);
      for (const replay of early) replay(listener);
    }
  }

  unlisten(link: number): void {
    this.#listeners.delete(link);
    this.#early.delete(link);
  }

  /** Whether a rank of this link died. */
  poisoned(link: number): boolean {
    return this.#poisonedLinks.has(link);
  }

  /** Ends MPI now (process exit): terminates workers, disconnects, finalizes; bounded. */
  shutdownSync(exitCode = 0): void {
    if (this.#shutDown) return;
    // A worker exiting while it still serves (an exit or uncaught error in a task) tells its
    // controllers why first; the progress thread then ends without finalizing.
    this.peers.sendDying(exitCode, (link, rank, reason) =>
      this.native.send(link, rank, 0, reason, null, 0, SendFlag.Dying),
    );
    this.#shutDown = true;
    this.peers.killLocal(this.#poisonedLinks);
    // A rank lost by heartbeat was killed if its host still answers: the job can end at once.
    if (this.#lostSilently && this.#stuck === null && launcherLifelineSeconds() > 0)
      this.#lostSilently = !lostHostsAnswer(this.native, DOUBT_TIMEOUT_MS);
    if (this.#stuck !== null) {
      // The progress thread is blocked in MPI for good: it cannot end, do not wait for it.
      this.native.shutdown(0);
      process.stderr.write(`futures(mpi): exiting without MPI_Finalize (${this.#stuck.message})\n`);
    } else if (!this.native.shutdown(SHUTDOWN_TIMEOUT_MS)) {
      process.stderr.write(
        `futures(mpi): MPI did not end within ${SHUTDOWN_TIMEOUT_MS} ms; exiting without MPI_Finalize\n`,
      );
    }
    if (this.#lostSilently) awaitLauncher();
  }

  #onEvents(meta: Float64Array, views: Uint8Array[], texts: string[]): void {
    for (let i = 0; i < meta.length; i += META_STRIDE) {
      const t = meta[i + 7]!;
      const row: EventRow = {
        kind: meta[i]!,
        link: meta[i + 1]!,
        rank: meta[i + 2]!,
        session: meta[i + 3]!,
        ticket: meta[i + 4]!,
        a: meta[i + 5]!,
        b: meta[i + 6]!,
        text: t >= 0 ? texts[t] : undefined,
      };
      try {
        this.#dispatch(row, views);
      } catch (error) {
        // A throw here would be swallowed by the thread-safe function: rethrow it uncaught.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  #toLink(link: number, call: (l: LinkListener) => void): void {
    const l = this.#listeners.get(link);
    if (l !== undefined) {
      call(l);
      return;
    }
    const list = this.#early.get(link) ?? [];
    list.push(call);
    this.#early.set(link, list);
  }

  #dispatch(row: EventRow, views: Uint8Array[]): void {
    switch (row.kind) {
      case EventKind.Frame: {
        const frame: Frame = { head: views[row.a]!, bufs: views.slice(row.a + 1, row.a + 1 + row.b) };
        this.#toLink(row.link, (l) => l.frame?.(row.rank, row.session, frame));
        return;
      }
      case EventKind.Sent:
        this.#keep.delete(row.ticket);
        return;
      case EventKind.Bye:
        this.#toLink(row.link, (l) => l.bye?.(row.rank, row.session));
        return;
      case EventKind.Ready:
        this.#readyInfo = {
          rank: row.a,
          size: row.b,
          universeSize: row.session > 0 ? row.session : null,
          parentLink: row.link,
          threadLevel: row.ticket,
          library: row.text ?? '',
        };
        this.#resolveReady(this.#readyInfo);
        return;
      case EventKind.LinkOpen:
      case EventKind.CollectiveDone:
      case EventKind.PingPongDone:
        this.#settle(row);
        return;
      case EventKind.LinkClosed:
        if (row.ticket !== 0) this.#settle(row);
        else this.#toLink(row.link, (l) => l.closed?.());
        return;
      case EventKind.Hello: {
        this.peers.hello(row.link, row.rank, row.a, row.text ?? '');
        this.#toLink(row.link, (l) => l.hello?.(row.rank, row.a, row.text ?? ''));
        return;
      }
      case EventKind.RankLost:
        if (row.b === 1) this.#lostSilently = true;
        this.#poisonedLinks.add(row.link);
        this.peers.lost(row.link, row.rank);
        this.#toLink(row.link, (l) => l.lost?.(row.rank, row.text ?? 'it died', row.a));
        return;
      case EventKind.Terminate:
        this.#toLink(row.link, (l) => l.terminate?.());
        return;
      case EventKind.SessionClose:
        this.#toLink(row.link, (l) => l.sessionClose?.(row.session));
        return;
      case EventKind.Finalized:
        this.#finalized = true;
        return;
      case EventKind.Error:
        if (this.#readyInfo === null)
          this.#rejectReady(new MpiError(`futures: MPI failed to start: ${row.text}`));
        else process.emitWarning(`futures(mpi): ${row.text}`, { code: 'FUTURES_MPI' });
        return;
    }
  }

  #settle(row: EventRow): void {
    const done = this.#pending.get(row.ticket);
    if (done === undefined) return;
    this.#pending.delete(row.ticket);
    done(row);
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
