// A plain server-sent-events client over fetch, for the dashboard's /events: it keeps every
// message and every byte received, so a test can wait for a message and scan all of it.
import type { DashboardMessage } from '../../src/messages.js';

export class EventStream {
  readonly messages: DashboardMessage[] = [];
  /** Everything received, as text (for scans: nothing secret may be in it). */
  raw = '';
  status = 0;
  readonly #abort = new AbortController();
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly done: Promise<void>;

  private constructor(readonly response: Response) {
    this.status = response.status;
    this.done = this.#read();
  }

  static async open(url: string, init: RequestInit = {}): Promise<EventStream> {
    const abort = new AbortController();
    const response = await fetch(new URL('events', url).href + new URL(url).search, {
      ...init,
      signal: abort.signal,
    });
    const stream = new EventStream(response);
    stream.#abort.signal.addEventListener('abort', () => abort.abort());
    return stream;
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        this.raw += text;
        pending += text;
        let end = pending.indexOf('\n\n');
        while (end >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data !== '') this.messages.push(JSON.parse(data) as DashboardMessage);
          end = pending.indexOf('\n\n');
        }
        this.#wake();
      }
    } catch {
      // aborted, or the server went away
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The first message (in order received) that matches; waits for it. */
  async find<T extends DashboardMessage['type']>(
    type: T,
    match: (m: Extract<DashboardMessage, { type: T }>) => boolean = () => true,
  ): Promise<Extract<DashboardMessage, { type: T }>> {
    for (;;) {
      const hit = this.messages.find(
        (m) => m.type === type && match(m as Extract<DashboardMessage, { type: T }>),
      );
      if (hit !== undefined) return hit as Extract<DashboardMessage, { type: T }>;
      if (this.#ended) throw new Error(`the event stream ended before a matching "${type}" message`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  of<T extends DashboardMessage['type']>(type: T): Extract<DashboardMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<DashboardMessage, { type: T }>[];
  }

  close(): Promise<void> {
    this.#abort.abort();
    return this.done;
  }
}
