import type * as zmq from 'zeromq';
import type { RateLimitedLog } from './log.js';
import { Receiver, SendQueue } from './socket-io.js';
import type { ZmqLib } from './zmq-lib.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/**
 * The ZAP handler (ZeroMQ RFC 27) of one controller's context: libzmq asks it about every
 * CURVE handshake, and it admits only the workers' derived public key. The ROUTER sets a ZAP
 * domain, so a handshake fails closed if this handler is missing.
 */
export class ZapHandler {
  readonly #socket: zmq.Router;
  readonly #queue: SendQueue;
  readonly #receiver: Receiver;
  readonly #allowed: Uint8Array;
  readonly #log: RateLimitedLog;

  constructor(lib: ZmqLib, context: zmq.Context, allowed: Uint8Array, log: RateLimitedLog, pollMs: number) {
    // A ROUTER rather than a REP socket: no send/receive lock-step to get wrong.
    this.#socket = new lib.Router({ context, linger: 0 });
    this.#allowed = allowed;
    this.#log = log;
    this.#queue = new SendQueue(this.#socket, () => {});
    this.#receiver = new Receiver(this.#socket, (parts) => this.#request(parts), 1000, pollMs);
  }

  async bind(keepAlive: boolean): Promise<void> {
    await this.#socket.bind(ZAP_ENDPOINT);
    this.#receiver.start(keepAlive);
  }

  setKeepAlive(keepAlive: boolean): void {
    this.#receiver.setKeepAlive(keepAlive);
  }

  close(): void {
    this.#receiver.close();
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }

  #request(parts: Buffer[]): void {
    // routing id, empty delimiter, then: version, request id, domain, address, identity, mechanism, credentials...
    const [route, delimiter, version, requestId, , address, , mechanism, clientKey] = parts;
    if (route === undefined || delimiter === undefined || version === undefined || requestId === undefined)
      return;
    const ok =
      mechanism?.toString() === 'CURVE' &&
      clientKey !== undefined &&
      clientKey.length === 32 &&
      clientKey.equals(this.#allowed);
    if (!ok) {
      this.#log.warn(
        'auth',
        `refused a peer from ${address?.toString() ?? '?'}: it does not hold the cluster key (${mechanism?.toString() ?? '?'})`,
      );
    }
    this.#queue.push([
      route,
      delimiter,
      version,
      requestId,
      ok ? '200' : '400',
      ok ? 'OK' : 'not a member of this cluster',
      ok ? 'worker' : '',
      '',
    ]);
  }
}
