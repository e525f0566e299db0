import type {
  Frame,
  Transport,
  TransportContext,
  TransportFactory,
  TransportHandler,
} from '../../src/transport/index.js';
import { serveWorker, type WorkerRuntime } from '../../src/worker/index.js';

/**
 * Core's own test transport: workers are runtimes in this same thread, and frames are
 * copied byte for byte on every hop (as a real medium would), delivered on a later
 * macrotask. It exercises every line of core; no test of a real transport uses it.
 * The two hops are public (`toController`, `toWorker`) so a test can inject frames at the
 * transport boundary (see test/fuzz/inject-transport.ts).
 */
function copyFrame(frame: Frame): Frame {
  return { head: frame.head.slice(), bufs: frame.bufs.map((b) => b.slice()) };
}

export class InlineTransport implements Transport {
  readonly name: string = 'inline';
  #handler: TransportHandler | null = null;
  readonly #workers = new Map<number, WorkerRuntime>();
  #nextId = 1;
  #stopped = false;

  constructor(readonly ctx: TransportContext) {}

  async start(handler: TransportHandler): Promise<number> {
    this.#handler = handler;
    for (let i = 0; i < this.ctx.maxWorkers; i++) this.#spawn();
    return this.ctx.maxWorkers;
  }

  #spawn(): void {
    const id = this.#nextId++;
    const runtime = serveWorker({
      send: (frame) => this.toController(id, frame),
      close: () => {
        this.#workers.delete(id);
      },
    });
    this.#workers.set(id, runtime);
    this.#handler!.workerJoined(id);
  }

  /** A frame arrives at the controller as if worker `workerId` sent it. */
  toController(workerId: number, frame: Frame): void {
    const copy = copyFrame(frame);
    setImmediate(() => {
      if (this.#workers.has(workerId)) this.#handler!.message(workerId, copy);
    });
  }

  /** A frame arrives at worker `workerId`'s runtime. */
  toWorker(workerId: number, frame: Frame): void {
    const copy = copyFrame(frame);
    setImmediate(() => this.#workers.get(workerId)?.handle(copy));
  }

  send(workerId: number, frame: Frame): void {
    this.toWorker(workerId, frame);
  }

  setActive(): void {}

  replaceWorker(): void {
    if (!this.#stopped) this.#spawn();
  }

  /** Test hook: drop a worker as if it died. */
  kill(workerId: number): void {
    this.#workers.delete(workerId);
    this.#handler!.workerLost(workerId, new Error('killed by the test'));
  }

  async stop({ force }: { force: boolean }): Promise<void> {
    this.#stopped = true;
    if (force) this.#workers.clear();
    // Workers close themselves after 'stop'; wait for that (bounded by the test timeout).
    while (this.#workers.size > 0) await new Promise((r) => setImmediate(r));
  }
}

/** A factory for `T` that keeps the transport it made last. */
export function factoryOf<T extends Transport>(
  name: string,
  make: (ctx: TransportContext) => T,
): TransportFactory & { last: T | null } {
  const factory = {
    name,
    last: null as T | null,
    create(ctx: TransportContext) {
      factory.last = make(ctx);
      return factory.last;
    },
  };
  return factory;
}

export function inline(): TransportFactory & { last: InlineTransport | null } {
  return factoryOf('inline', (ctx) => new InlineTransport(ctx));
}
