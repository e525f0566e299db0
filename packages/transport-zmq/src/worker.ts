import * as os from 'node:os';
import type { Frame, WorkerEndpoint } from '@futures/core/transport';
import type { WorkerRuntime } from '@futures/core/worker';
import { baseSocketOptions, clientCurveOptions, deriveKeys } from './keys.js';
import { RateLimitedLog } from './log.js';
import { MAX_MESSAGE_BYTES_DEFAULT, ZMQ_OPTION_SPECS } from './options.js';
import {
  type HelloInfo,
  jsonPart,
  Kind,
  kindPart,
  PROTOCOL_VERSION,
  parseJsonPart,
  plain,
  SHUTTING_DOWN,
} from './protocol.js';
import { SendQueue } from './socket-io.js';
import { loadZmq } from './zmq-lib.js';

/** Exit codes of a worker (also of `futures worker`). */
export const WorkerExit = {
  /** The controller released it (the pool shut down). */
  Released: 0,
  /** Bad arguments or setup. */
  Failed: 1,
  /** No controller accepted it within joinTimeout. */
  JoinTimeout: 2,
  /** The controller vanished (connection lost, heartbeats stopped) or forgot this worker. */
  ControllerLost: 3,
  /** The controller refused it (shutting down, other protocol version, a message limit below the pool's). */
  Refused: 4,
  /** The handshake failed: a different key, or CURVE on one side only. */
  AuthFailed: 5,
} as const;

export interface WorkerRunOptions {
  /** The controller's address, e.g. tcp://10.0.0.1:5555. */
  connect: string;
  /** The cluster secret (32 bytes), or null to connect without CURVE. */
  secret: Uint8Array | null;
  /** @default 1000 */
  heartbeatInterval?: number;
  /** @default 4000 */
  heartbeatTimeout?: number;
  /** Give up when no controller accepted this worker within this many ms; 0 waits forever. @default 0 */
  joinTimeout?: number;
  /** @default 4 GiB */
  maxMessageBytes?: number;
  /** Set for processes a controller started itself. */
  token?: string;
  /** URL of core's worker runtime module. @default "@futures/core/worker" as this package resolves it */
  runtimeUrl?: string;
  /** Status lines (joined, left); @default none */
  onStatus?: (line: string) => void;
}

/**
 * Runs one worker in this process: connects a DEALER to the controller, joins, serves tasks with
 * core's runtime until the controller releases it or vanishes. Resolves with an exit code
 * (WorkerExit); never rejects for network trouble.
 */
export async function runWorker(options: WorkerRunOptions): Promise<number> {
  const lib = await loadZmq();
  const runtimeModule = (await import(
    options.runtimeUrl ?? '@futures/core/worker'
  )) as typeof import('@futures/core/worker');
  const heartbeatInterval = options.heartbeatInterval ?? ZMQ_OPTION_SPECS.heartbeatInterval.default;
  const heartbeatTimeout = options.heartbeatTimeout ?? ZMQ_OPTION_SPECS.heartbeatTimeout.default;
  const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES_DEFAULT;
  const status = options.onStatus ?? (() => {});
  const log = new RateLimitedLog(`futures zmq worker ${process.pid}`);
  const keys = options.secret === null ? null : deriveKeys(options.secret);
  const context = new lib.Context();
  const socket = new lib.Dealer({
    context,
    linger: 2000,
    ...baseSocketOptions({ heartbeatInterval, heartbeatTimeout, maxMessageBytes }),
    ...clientCurveOptions(keys),
  });
  const queue = new SendQueue(socket, (_parts, error) => log.warn('send', `a send failed: ${error.message}`));
  let state: 'joining' | 'joined' | 'leaving' | 'done' = 'joining';
  let runtime: WorkerRuntime | null = null;
  let timer: NodeJS.Timeout | null = null;

  return new Promise<number>((resolve) => {
    const finish = (code: number, why: string): void => {
      if (state === 'done') return;
      state = 'done';
      process.off('uncaughtException', dying);
      if (timer !== null) clearTimeout(timer);
      const failed =
        code === WorkerExit.AuthFailed || code === WorkerExit.JoinTimeout || code === WorkerExit.Refused;
      if (failed) process.stderr.write(`futures worker ${process.pid}: ${why}\n`);
      else if (why) status(why);
      void (async () => {
        await Promise.race([queue.drained(), new Promise((r) => setTimeout(r, 2000))]);
        try {
          socket.events.close();
          socket.close();
        } catch {
          // already closed
        }
        resolve(code);
      })();
    };

    const endpoint: WorkerEndpoint = {
      send(frame: Frame): void {
        if (state !== 'joined' && state !== 'leaving') return;
        const parts: Uint8Array[] = new Array(2 + frame.bufs.length);
        parts[0] = kindPart(Kind.Frame);
        parts[1] = frame.head;
        for (let i = 0; i < frame.bufs.length; i++) parts[2 + i] = frame.bufs[i]!;
        queue.push(parts);
      },
      close(): void {
        if (state !== 'joined') return;
        state = 'leaving';
        queue.push([kindPart(Kind.Bye)]);
        // the controller answers Bye with Goodbye; do not wait for it forever
        timer = setTimeout(() => finish(WorkerExit.Released, 'left the pool'), heartbeatTimeout);
      },
    };

    /**
     * A task left an error nobody catches (thrown from a timer, a rejected promise nobody
     * awaits): tell the controller what killed this worker before dying of it, as Node would
     * (the error on stderr, exit code 1).
     */
    const dying = (error: unknown): void => {
      const text =
        error instanceof Error
          ? (error.stack ?? `${error.name}: ${error.message}`)
          : `a thrown ${typeof error}: ${String(error)}`;
      process.stderr.write(`${text}\n`);
      if (state === 'joined' || state === 'leaving')
        queue.push([kindPart(Kind.Dying), `an uncaught ${text}`]);
      void Promise.race([queue.drained(), new Promise((r) => setTimeout(r, 1000))]).then(() =>
        process.exit(1),
      );
    };

    const onMessage = (parts: Buffer[]): void => {
      const kindBuf = parts[0];
      const kind = kindBuf !== undefined && kindBuf.length === 1 ? kindBuf[0]! : -1;
      let total = 0;
      for (const p of parts) total += p.length;
      if (total > maxMessageBytes) {
        log.warn('oversized', `dropped a ${total}-byte message (maxMessageBytes ${maxMessageBytes})`);
        return;
      }
      switch (kind) {
        case Kind.Welcome: {
          const info = parseJsonPart(parts[1]);
          if (state !== 'joining' || info === null || typeof info.workerId !== 'number') return;
          state = 'joined';
          if (timer !== null) clearTimeout(timer);
          timer = null;
          status(`joined ${options.connect} as worker ${info.workerId}`);
          runtime = runtimeModule.serveWorker(endpoint);
          process.once('uncaughtException', dying);
          return;
        }
        case Kind.Frame: {
          const head = parts[1];
          if (runtime === null || state === 'done' || head === undefined) return;
          const bufs: Uint8Array[] = new Array(parts.length - 2);
          for (let i = 2; i < parts.length; i++) bufs[i - 2] = plain(parts[i]!);
          try {
            runtime.handle({ head: plain(head), bufs });
          } catch (error) {
            log.warn(
              'malformed',
              `dropped a malformed frame from the controller: ${(error as Error).message}`,
            );
          }
          return;
        }
        case Kind.Ping:
          return;
        case Kind.Goodbye: {
          const reason = parts[1]?.toString('utf8').slice(0, 200) ?? '';
          if (state === 'joining' && reason === SHUTTING_DOWN) {
            finish(WorkerExit.Released, `the pool at ${options.connect} is shutting down`);
            return;
          }
          if (state === 'joining') {
            finish(WorkerExit.Refused, `the controller at ${options.connect} refused this worker: ${reason}`);
            return;
          }
          if (state === 'joined') queue.push([kindPart(Kind.Bye)]);
          finish(WorkerExit.Released, `released by the controller (${reason})`);
          return;
        }
        case Kind.Reset:
          if (state === 'joined' || state === 'leaving') {
            finish(
              WorkerExit.ControllerLost,
              'the controller no longer knows this worker (its connection was lost)',
            );
          }
          return;
        default:
          log.warn('malformed', `dropped a malformed message (${parts.length} parts) from the controller`);
      }
    };

    // Monitor events arrive in order: a disconnect counts only after a completed handshake
    // (earlier ones belong to failed attempts, e.g. before the controller was up).
    let connected = false;
    let trouble: NodeJS.Timeout | null = null;
    socket.events.on('handshake', () => {
      connected = true;
      if (trouble !== null) clearTimeout(trouble);
      trouble = null;
    });
    socket.events.on('disconnect', () => {
      if (!connected) return;
      connected = false;
      if (state === 'joined' || state === 'leaving') {
        finish(WorkerExit.ControllerLost, `lost the connection to the controller at ${options.connect}`);
      }
    });
    // libzmq does not retry a refused handshake: waiting longer would only hang.
    socket.events.on('handshake:error:auth', (e) => {
      finish(
        WorkerExit.AuthFailed,
        `the controller at ${options.connect} refused this worker's key (${e.error.message}): use the same key file on both sides`,
      );
    });
    socket.events.on('handshake:error:protocol', (e) => {
      finish(
        WorkerExit.AuthFailed,
        `the handshake with ${options.connect} failed (${e.error.message}): a different key, or one side runs without CURVE`,
      );
    });
    // A controller with another key drops the handshake (no ZAP verdict reaches us): give it
    // heartbeatTimeout to succeed on a retry before calling it a key mismatch.
    socket.events.on('handshake:error:other', (e) => {
      if (state !== 'joining' || trouble !== null) return;
      trouble = setTimeout(() => {
        if (state !== 'joining') return;
        finish(
          WorkerExit.AuthFailed,
          `no handshake with ${options.connect} succeeded (${e.error.message}): a different key, or not a futures controller`,
        );
      }, heartbeatTimeout);
      trouble.unref();
    });

    const joinTimeout = options.joinTimeout ?? 0;
    if (joinTimeout > 0) {
      timer = setTimeout(
        () =>
          finish(
            WorkerExit.JoinTimeout,
            `no controller at ${options.connect} accepted this worker within ${joinTimeout} ms`,
          ),
        joinTimeout,
      );
    }
    try {
      socket.connect(options.connect);
    } catch (error) {
      finish(WorkerExit.Failed, `cannot connect to ${options.connect}: ${(error as Error).message}`);
      return;
    }
    const hello: HelloInfo = { v: PROTOCOL_VERSION, host: os.hostname(), pid: process.pid, maxMessageBytes };
    if (options.token !== undefined) hello.token = options.token;
    queue.push([kindPart(Kind.Hello), jsonPart(hello)]);

    void (async () => {
      while (state !== 'done' && !socket.closed) {
        let parts: Buffer[];
        try {
          parts = await socket.receive();
        } catch (error) {
          if (!socket.closed) finish(WorkerExit.Failed, `receive failed: ${(error as Error).message}`);
          break;
        }
        try {
          onMessage(parts);
        } catch (error) {
          log.warn('malformed', `a message could not be handled: ${(error as Error).message}`);
        }
      }
    })();
  });
}
