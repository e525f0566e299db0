import type * as zmq from 'zeromq';
import { Receiver, SendQueue } from './socket-io.js';
import type { ZmqLib } from './zmq-lib.js';

type Part = Buffer | Uint8Array | string;

/** How long a send to a peer that is gone may wait before it fails. */
const DEAD_PEER_SEND_TIMEOUT_MS = 200;

/**
 * One ROUTER socket of the controller with its send queue and receive loop. A controller has
 * one for everyone (TCP, CURVE) and, for its own local workers, one on a Unix socket in a
 * private directory.
 */
export class Listener {
  readonly router: zmq.Router;
  readonly #queue: SendQueue;
  readonly #receiver: Receiver;
  /** Distinguishes this listener's routing ids from the other's in link keys. */
  readonly tag: string;
  endpoint = '';

  constructor(
    lib: ZmqLib,
    options: ConstructorParameters<ZmqLib['Router']>[0],
    tag: string,
    onMessage: (parts: Buffer[], via: Listener) => void,
    onSendFailed: (parts: unknown[], error: Error, via: Listener) => void,
    wakeMs: number,
    pollMs: number,
  ) {
    this.tag = tag;
    this.router = new lib.Router({
      ...options,
      // A send to a peer that is gone fails (EHOSTUNREACH) instead of being dropped silently.
      mandatory: true,
      // With `mandatory` and no high-water mark, a send can only wait when its peer is gone
      // (its pipe is closing): zeromq.js then waits for the socket to turn writable, which
      // never happens when that peer was the only one, and every later send queues behind
      // it (a remote worker killed with -9 was never reported lost). The timeout fails that
      // one send (EAGAIN, then EHOSTUNREACH): its link ends and the queue moves on.
      sendTimeout: DEAD_PEER_SEND_TIMEOUT_MS,
      linger: 500,
    });
    this.#queue = new SendQueue(this.router, (parts, error) => onSendFailed(parts, error, this));
    this.#receiver = new Receiver(this.router, (parts) => onMessage(parts, this), wakeMs, pollMs);
  }

  /** Binds `address` and starts receiving; resolves with the address bound. */
  async bind(address: string, shown: string, keepAlive: boolean): Promise<string> {
    try {
      await this.router.bind(address);
    } catch (error) {
      throw new Error(`futures zmq: cannot listen on ${shown}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.endpoint = this.router.lastEndpoint ?? address;
    this.#receiver.start(keepAlive);
    return this.endpoint;
  }

  push(parts: Part[]): void {
    this.#queue.push(parts);
  }

  setKeepAlive(keepAlive: boolean): void {
    this.#receiver.setKeepAlive(keepAlive);
  }

  drained(ms: number): Promise<unknown> {
    return Promise.race([this.#queue.drained(), new Promise((r) => setTimeout(r, ms))]);
  }

  close(): void {
    this.#receiver.close();
    this.#queue.clear();
    try {
      this.router.close();
    } catch {
      // already closed
    }
  }
}
