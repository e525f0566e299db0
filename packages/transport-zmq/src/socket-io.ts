import type * as zmq from 'zeromq';

type Part = Buffer | Uint8Array | string;

/**
 * A send queue for one socket. zeromq.js allows one pending send per socket (a second one
 * rejects with EBUSY), so every message goes through here: sent at once when the socket is
 * free, else queued in order. A failed message (e.g. EHOSTUNREACH from a ROUTER with
 * `mandatory`) is reported to `onError` with its parts; the queue carries on.
 */
export class SendQueue {
  readonly #socket: zmq.Writable & zmq.Socket;
  readonly #onError: (parts: Part[], error: Error) => void;
  #queue: Part[][] = [];
  #head = 0;
  #busy = false;
  #drainWaiters: (() => void)[] = [];

  constructor(socket: zmq.Writable & zmq.Socket, onError: (parts: Part[], error: Error) => void) {
    this.#socket = socket;
    this.#onError = onError;
  }

  get idle(): boolean {
    return !this.#busy;
  }

  push(parts: Part[]): void {
    if (this.#busy) {
      this.#queue.push(parts);
      return;
    }
    this.#busy = true;
    this.#send(parts);
  }

  /** Resolves once everything queued so far was handed to ZeroMQ. */
  drained(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drops whatever is still queued (the socket is closing). */
  clear(): void {
    this.#queue = [];
    this.#head = 0;
  }

  #send(parts: Part[]): void {
    let sent: Promise<void>;
    try {
      sent = this.#socket.send(parts);
    } catch (error) {
      this.#failed(parts, error);
      return;
    }
    sent.then(
      () => this.#next(),
      (error: unknown) => this.#failed(parts, error),
    );
  }

  #failed(parts: Part[], error: unknown): void {
    if (!this.#socket.closed) {
      try {
        this.#onError(parts, error instanceof Error ? error : new Error(String(error)));
      } catch {
        // a handler error must not stop the queue
      }
    }
    this.#next();
  }

  #next(): void {
    if (this.#head < this.#queue.length && !this.#socket.closed) {
      const parts = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Part[];
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#send(parts);
      return;
    }
    this.#queue = [];
    this.#head = 0;
    this.#busy = false;
    for (const w of this.#drainWaiters.splice(0)) w();
  }
}

/**
 * Reads a socket either with a pending receive (which keeps the Node event loop alive) or,
 * when `keepAlive` is off, by non-blocking reads from an unref'd timer, so that an idle pool
 * never keeps its process alive. zeromq.js cannot unref a pending receive, so the blocking
 * loop uses a receive timeout and re-checks the mode at least that often.
 */
export class Receiver {
  readonly #socket: zmq.Readable & zmq.Socket;
  readonly #onMessage: (parts: Buffer[]) => void;
  readonly #wakeMs: number;
  readonly #pollMs: number;
  #keepAlive = false;
  #looping = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    socket: zmq.Readable & zmq.Socket,
    onMessage: (parts: Buffer[]) => void,
    wakeMs: number,
    pollMs: number,
  ) {
    this.#socket = socket;
    this.#onMessage = onMessage;
    this.#wakeMs = wakeMs;
    this.#pollMs = pollMs;
  }

  start(keepAlive: boolean): void {
    this.#keepAlive = keepAlive;
    if (keepAlive) this.#startLoop();
    else this.#startPolling();
  }

  setKeepAlive(keepAlive: boolean): void {
    if (this.#closed || keepAlive === this.#keepAlive) return;
    this.#keepAlive = keepAlive;
    if (keepAlive) this.#startLoop();
    // else: the loop notices within wakeMs and switches to polling itself
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #deliver(parts: Buffer[]): void {
    try {
      this.#onMessage(parts);
    } catch (error) {
      process.emitWarning(
        `futures zmq: a message handler failed: ${(error as Error)?.stack ?? String(error)}`,
      );
    }
  }

  #startLoop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    if (this.#looping || this.#closed) return;
    this.#looping = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    const socket = this.#socket;
    socket.receiveTimeout = this.#wakeMs;
    while (this.#keepAlive && !this.#closed && !socket.closed) {
      let parts: Buffer[];
      try {
        parts = await socket.receive();
      } catch (error) {
        if ((error as { code?: string }).code === 'EAGAIN') continue; // timeout: re-check the mode
        if (socket.closed || this.#closed) break;
        process.emitWarning(`futures zmq: receive failed: ${(error as Error).message}`);
        continue;
      }
      this.#deliver(parts);
    }
    this.#looping = false;
    if (!this.#closed && !socket.closed) {
      if (this.#keepAlive) this.#startLoop();
      else this.#startPolling();
    }
  }

  #startPolling(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setInterval(() => this.#poll(), this.#pollMs);
    this.#timer.unref();
    this.#poll();
  }

  #poll(): void {
    if (this.#looping || this.#closed || this.#socket.closed) return;
    const socket = this.#socket;
    socket.receiveTimeout = 0;
    // With a zero timeout, receive() reads synchronously or rejects with EAGAIN at once.
    const step = (): void => {
      if (this.#looping || this.#closed || socket.closed) return;
      socket.receive().then(
        (parts) => {
          this.#deliver(parts);
          step();
        },
        () => {},
      );
    };
    step();
  }
}
