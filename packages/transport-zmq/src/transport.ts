import {
  type Frame,
  KeepAlive,
  type Transport,
  type TransportContext,
  type TransportHandler,
} from '@futures/core/transport';
import { ZmqWorkerLostError } from './errors.js';
import {
  baseSocketOptions,
  type ClusterKeys,
  controllerSecret,
  deriveKeys,
  formatSecret,
  serverCurveOptions,
} from './keys.js';
import { type Link, Links, workerName } from './links.js';
import { Listener } from './listener.js';
import { LocalPool, type LocalWorker, type LocalWorkerSpec, localWorkerSpec } from './local-workers.js';
import { RateLimitedLog } from './log.js';
import { isLoopback, localAddress, type ResolvedZmqOptions } from './options.js';
import { PrivateSocketDir } from './private-dir.js';
import { type HelloInfo, helloRefusal, jsonPart, Kind, kindPart, parseJsonPart, plain } from './protocol.js';
import { ZapHandler } from './zap.js';
import { loadZmq } from './zmq-lib.js';

/** Non-blocking reads every this many ms while the pool is idle (and does not keep the process alive). */
const IDLE_POLL_MS = 50;

/** Room left in maxMessageBytes for a frame's envelope (the peer's identity and the kind part). */
const ENVELOPE_BYTES = 512;
/** How long a local worker whose connection broke may take to be reported exited (then its exit is the cause). */
const LOCAL_EXIT_GRACE_MS = 2000;

/**
 * The controller side: a ROUTER socket that workers' DEALERs connect to. Tracks membership
 * (join, leave, lost), starts local worker processes, and moves Frames; scheduling is core's.
 */
export class ZmqTransport implements Transport {
  readonly name = 'zmq';
  readonly #opts: ResolvedZmqOptions;
  readonly #ctx: TransportContext;
  readonly #log = new RateLimitedLog('futures zmq');
  #handler: TransportHandler | null = null;
  /** The listener everyone can reach (TCP by default, CURVE). */
  #main: Listener | null = null;
  /** Local workers' listener: a Unix socket in a private directory (no CURVE needed). */
  #ipc: Listener | null = null;
  #ipcDir: PrivateSocketDir | null = null;
  #zap: ZapHandler | null = null;
  #keys: ClusterKeys | null = null;
  #keyText: string | null = null;
  readonly #links = new Links();
  readonly #locals = new LocalPool(
    () => this.#localSpec(),
    (w) => this.#localExited(w),
  );
  readonly #lostLocal = new Set<number>();
  #nextId = 1;
  readonly #keepAlive = new KeepAlive((hold) => {
    this.#main?.setKeepAlive(hold);
    this.#ipc?.setKeepAlive(hold);
    this.#zap?.setKeepAlive(hold);
  });
  #booting = true;
  /** A forced stop was asked for: stop waiting for workers to leave. */
  #forced = false;
  #closed = false;
  #stopped: Promise<void> | null = null;
  #expected = 0;
  #heartbeat: NodeJS.Timeout | null = null;
  /** The address bound, e.g. tcp://127.0.0.1:41234 (once started). */
  endpoint = '';
  /** The address this machine's workers connect to. */
  connectAddress = '';

  /** What core may put in one frame: zmq's own receive limit, less room for the envelope parts. */
  readonly maxMessageBytes: number;

  constructor(ctx: TransportContext, opts: ResolvedZmqOptions) {
    this.#ctx = ctx;
    // One limit: the executor's maxMessageBytes, when lower, is also what the sockets accept.
    const limit = Math.min(
      opts.maxMessageBytes,
      (ctx.maxMessageBytes ?? Number.POSITIVE_INFINITY) + ENVELOPE_BYTES,
    );
    this.#opts = limit === opts.maxMessageBytes ? opts : { ...opts, maxMessageBytes: limit };
    this.maxMessageBytes = Math.max(1, opts.maxMessageBytes - ENVELOPE_BYTES);
    this.#keepAlive.setBooting(true); // until the workers bootup() waits for are heard from
  }

  async start(handler: TransportHandler): Promise<number> {
    this.#handler = handler;
    try {
      return await this.#start();
    } catch (error) {
      this.#teardown();
      throw error;
    }
  }

  async #start(): Promise<number> {
    const o = this.#opts;
    const secret = controllerSecret({ ...o, loopback: isLoopback(o.bind) });
    const lib = await loadZmq();
    const context = new lib.Context();
    if (secret !== null) {
      this.#keys = deriveKeys(secret);
      this.#keyText = formatSecret(secret);
      this.#zap = new ZapHandler(lib, context, this.#keys.client.publicRaw, this.#log, IDLE_POLL_MS);
      await this.#zap.bind(this.#keepAlive.holds);
    }
    const keys = this.#keys;
    const listen = (tag: string, curve: boolean): Listener =>
      new Listener(
        lib,
        {
          context,
          ...baseSocketOptions(o),
          ...serverCurveOptions(curve ? keys : null),
        },
        tag,
        (parts, via) => this.#onMessage(parts, via),
        (parts, error, via) => this.#sendFailed(parts, error, via),
        o.heartbeatInterval,
        IDLE_POLL_MS,
      );
    this.#main = listen('m', true);
    this.endpoint = await this.#main.bind(o.bind.replace(/:0$/, ':*'), o.bind, this.#keepAlive.holds);
    this.connectAddress = localAddress(this.endpoint);
    const local = o.localWorkers ?? this.#ctx.maxWorkers;
    if (local > 0 && o.localIpc && process.platform !== 'win32') {
      // Only this user can enter the directory, and a HELLO there must carry the token of a
      // process this controller started.
      this.#ipcDir = new PrivateSocketDir();
      this.#ipc = listen('l', false);
      const address = this.#ipcDir.address('w');
      this.connectAddress = await this.#ipc.bind(address, address, this.#keepAlive.holds);
    }
    this.#heartbeat = setInterval(() => this.#ping(), o.heartbeatInterval);
    this.#heartbeat.unref();

    this.#expected = o.waitWorkers ?? (local > 0 ? local : 1);
    if (this.#expected === 0) this.#setBooting(false);
    for (let i = 0; i < local; i++) this.#locals.spawn();
    if (local === 0) {
      const keyHint =
        o.keyFile !== null ? ` --key-file ${o.keyFile}` : keys !== null ? ' --key-file FILE' : ' --no-curve';
      process.stderr.write(
        `futures zmq: listening on ${this.endpoint}; start workers with: futures worker --connect ${this.endpoint}${keyHint}\n`,
      );
    }
    return this.#expected;
  }

  send(workerId: number, frame: Frame): void {
    const s = this.#links.byId(workerId);
    if (s === undefined) return; // lost already: core has been told
    const parts: (Buffer | Uint8Array)[] = new Array(3 + frame.bufs.length);
    parts[0] = s.identity;
    parts[1] = kindPart(Kind.Frame);
    parts[2] = frame.head;
    for (let i = 0; i < frame.bufs.length; i++) parts[3 + i] = frame.bufs[i]!;
    s.via.push(parts);
  }

  setActive(active: boolean): void {
    this.#keepAlive.setActive(active);
  }

  replaceWorker(lostWorkerId: number): void {
    if (this.#lostLocal.delete(lostWorkerId) && !this.#keepAlive.stopping && !this.#closed)
      this.#locals.spawn();
  }

  terminateWorker(workerId: number): void {
    const s = this.#links.byId(workerId);
    if (s === undefined) return;
    const local = s.local;
    if (local?.alive) {
      local.kill('SIGKILL'); // its exit ends the link
      return;
    }
    s.via.push([s.identity, kindPart(Kind.Goodbye), 'terminated by the controller']);
    this.#endLink(s, new ZmqWorkerLostError(`${workerName(s)} was terminated`));
  }

  stop(options: { force: boolean }): Promise<void> {
    if (options.force && !this.#forced) {
      // A forced stop overtakes an orderly one still waiting for its workers to leave
      // (e.g. the executor broke meanwhile: a worker whose initializer failed never leaves).
      this.#forced = true;
      this.#links.changed();
    }
    if (this.#stopped === null) {
      this.#keepAlive.setStopping();
      this.#stopped = this.#stop();
    }
    return this.#stopped;
  }

  // ---- internals ----

  #setBooting(booting: boolean): void {
    this.#booting = booting;
    this.#keepAlive.setBooting(booting);
  }

  #localSpec(): LocalWorkerSpec {
    return localWorkerSpec(
      this.#ctx,
      this.#opts,
      this.connectAddress,
      this.#ipc === null ? this.#keyText : null,
    );
  }

  #localExited(worker: LocalWorker): void {
    const s = worker.workerId >= 0 ? this.#links.byId(worker.workerId) : undefined;
    if (s !== undefined) {
      this.#endLink(
        s,
        new ZmqWorkerLostError(`worker ${s.workerId} (local pid ${s.pid}) ${worker.describeExit()}`),
      );
    } else if (worker.workerId < 0 && !this.#keepAlive.stopping && !this.#closed) {
      // died before it joined: respawn a few times, then give up (a broken setup, e.g. bad execArgv)
      if (this.#locals.startFailed()) {
        this.#handler?.broken(
          new Error(
            `futures zmq: local worker processes keep exiting before they join (last one ${worker.describeExit()}); ` +
              'see their output above (execArgv, env, cwd?)',
          ),
        );
      } else {
        this.#locals.spawn();
      }
    }
    this.#links.changed();
  }

  #onMessage(parts: Buffer[], via: Listener): void {
    const identity = parts[0];
    const kindBuf = parts[1];
    if (identity === undefined || kindBuf === undefined || kindBuf.length !== 1) {
      this.#log.warn('malformed', `dropped a malformed message (${parts.length} parts) from a peer`);
      return;
    }
    const key = via.tag + identity.toString('latin1');
    const s = this.#links.byKey(key);
    const kind = kindBuf[0]!;
    let total = 0;
    for (const p of parts) total += p.length;
    if (total > this.#opts.maxMessageBytes) {
      this.#log.warn(
        'oversized',
        `dropped a ${total}-byte message (maxMessageBytes ${this.#opts.maxMessageBytes})`,
      );
      if (s !== undefined) {
        via.push([s.identity, kindPart(Kind.Goodbye), 'message too large']);
        this.#endLink(
          s,
          new ZmqWorkerLostError(`worker ${s.workerId} sent a message larger than maxMessageBytes`),
        );
      }
      return;
    }
    if (s === undefined) {
      if (kind === Kind.Hello) this.#hello(identity, key, parts[2], via);
      else if (kind !== Kind.Bye) {
        if (!this.#links.ended(key))
          this.#log.warn(
            'unknown-peer',
            `dropped a message (kind ${kind}) from a connection that has not joined`,
          );
        via.push([identity, kindPart(Kind.Reset)]);
      }
      return;
    }
    switch (kind) {
      case Kind.Frame: {
        const head = parts[2];
        if (head === undefined) {
          this.#log.warn('malformed', `dropped a frame without a head from worker ${s.workerId}`);
          return;
        }
        const bufs: Uint8Array[] = new Array(parts.length - 3);
        for (let i = 3; i < parts.length; i++) bufs[i - 3] = plain(parts[i]!);
        this.#handler?.message(s.workerId, { head: plain(head), bufs });
        if (!s.heardFrom) {
          s.heardFrom = true;
          if (++this.#links.heardFromCount >= this.#expected && this.#booting) this.#setBooting(false);
        }
        return;
      }
      case Kind.Bye:
        via.push([s.identity, kindPart(Kind.Goodbye), 'bye']);
        this.#endLink(s, new ZmqWorkerLostError(`${workerName(s)} left the pool`), true);
        return;
      case Kind.Dying: {
        const why = parts[2]?.toString('utf8').slice(0, 8192) || 'an uncaught error';
        this.#endLink(s, new ZmqWorkerLostError(`${workerName(s)} died of ${why}`));
        return;
      }
      case Kind.Hello:
        return; // a duplicate
      default:
        this.#log.warn('unknown-kind', `dropped a message of unknown kind ${kind} from worker ${s.workerId}`);
    }
  }

  #hello(identity: Buffer, key: string, body: Buffer | undefined, via: Listener): void {
    const info = parseJsonPart(body) as Partial<HelloInfo> | null;
    const refuse = (reason: string): void => {
      via.push([identity, kindPart(Kind.Goodbye), reason]);
    };
    const refusal = helloRefusal(info, this.#opts.maxMessageBytes, this.#keepAlive.stopping);
    if (refusal !== null || info === null) {
      if (refusal?.log !== undefined) this.#log.warn(refusal.log.category, refusal.log.text);
      refuse(refusal?.reason ?? 'malformed hello');
      return;
    }
    const workerId = this.#nextId;
    const local = this.#locals.claim(info.token, workerId);
    if (local === null && via === this.#ipc) {
      this.#log.warn('unknown-peer', 'refused a peer on the local socket that this controller did not start');
      refuse('not a worker of this controller');
      return;
    }
    this.#nextId++;
    const s: Link = {
      workerId,
      identity,
      via,
      key,
      host: typeof info.host === 'string' ? info.host.slice(0, 255) : '?',
      pid: typeof info.pid === 'number' ? info.pid : 0,
      local,
      heardFrom: false,
    };
    this.#links.add(s);
    via.push([identity, kindPart(Kind.Welcome), jsonPart({ workerId: s.workerId })]);
    this.#handler?.workerJoined(s.workerId);
  }

  /** Ends a link; `left`: the worker said goodbye and ends itself (else a local process is killed). */
  #endLink(s: Link, error: Error, left = false): void {
    if (!this.#links.remove(s)) return;
    if (s.local !== null) {
      this.#lostLocal.add(s.workerId);
      if (!left) s.local.kill('SIGKILL'); // a local process without a link has nothing left to do
    }
    this.#handler?.workerLost(s.workerId, error);
  }

  #sendFailed(parts: unknown[], error: Error, via: Listener): void {
    const identity = parts[0];
    if (!Buffer.isBuffer(identity)) return;
    const s = this.#links.byKey(via.tag + identity.toString('latin1'));
    if (s === undefined || s.identity !== identity) return;
    const code = (error as { code?: string }).code ?? error.message;
    const lost = new ZmqWorkerLostError(`lost the connection to ${workerName(s)}: ${code}`);
    // A local process whose connection broke has usually just died, and its exit (code,
    // signal, the error it died of) is the cause worth reporting: #localExited ends the
    // link when the exit event comes; the connection is blamed only if it does not.
    if (s.local?.alive === true) this.#links.deferLoss(s, LOCAL_EXIT_GRACE_MS, () => this.#endLink(s, lost));
    else this.#endLink(s, lost);
  }

  #ping(): void {
    const ping = kindPart(Kind.Ping);
    for (const s of this.#links.all()) s.via.push([s.identity, ping]);
  }

  async #stop(): Promise<void> {
    for (const s of this.#links.all()) s.via.push([s.identity, kindPart(Kind.Goodbye), 'the pool shut down']);
    const localsDone = (): boolean => this.#locals.allExited;
    await this.#links.until(
      () => this.#forced || (this.#links.size === 0 && localsDone()),
      this.#opts.stopTimeout,
    );
    this.#locals.killAll();
    await this.#links.until(localsDone, 5000);
    for (const s of this.#links.all()) {
      this.#endLink(s, new ZmqWorkerLostError(`worker ${s.workerId} did not leave before shutdown ended`));
    }
    await Promise.all([this.#main?.drained(1000), this.#ipc?.drained(1000)]);
    this.#teardown();
  }

  #teardown(): void {
    this.#closed = true;
    this.#keepAlive.close();
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#main?.close();
    this.#ipc?.close();
    this.#zap?.close();
    this.#locals.killAll();
    this.#ipcDir?.remove();
  }
}
