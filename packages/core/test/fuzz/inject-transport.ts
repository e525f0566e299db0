import { decodeControllerMessage } from '../../src/transport/frame.js';
import type { Frame, TransportFactory } from '../../src/transport/index.js';
import { factoryOf, InlineTransport } from '../support/inline-transport.js';

/**
 * Core's inline test transport (workers are runtimes in this thread, every frame copied
 * byte for byte and delivered on a later macrotask, as a medium would), whose two hops are
 * the injection points a fuzz test needs at the transport boundary: `toController` (a
 * frame "from" a worker to the controller) and `toWorker` (a frame to a worker's
 * runtime). It also records which task ids went to which worker, from the real task frames.
 */
export class InjectTransport extends InlineTransport {
  override readonly name: string = 'inject';
  /** taskId → the worker it was sent to (decoded from the Tasks frames sent). */
  readonly sentTo = new Map<number, number>();

  override send(workerId: number, frame: Frame): void {
    try {
      const msg = decodeControllerMessage(frame);
      if (msg.type === 'tasks') for (const c of msg.calls) this.sentTo.set(c.taskId, workerId);
    } catch {}
    super.send(workerId, frame);
  }
}

export function injecting(): TransportFactory & { last: InjectTransport | null } {
  return factoryOf('inject', (ctx) => new InjectTransport(ctx));
}
