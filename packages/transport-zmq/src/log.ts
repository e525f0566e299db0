/**
 * Warnings for dropped frames and refused peers, rate-limited per category so that a peer
 * sending garbage cannot flood the log (at most one line per category per second).
 */
export class RateLimitedLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(readonly prefix: string) {}

  warn(category: string, message: string): void {
    const now = performance.now();
    const entry = this.#last.get(category);
    if (entry !== undefined && now - entry.at < 1000) {
      entry.suppressed++;
      return;
    }
    const more =
      entry !== undefined && entry.suppressed > 0 ? ` (${entry.suppressed} similar suppressed)` : '';
    this.#last.set(category, { at: now, suppressed: 0 });
    if (this.#last.size > 1000) this.#last.clear();
    process.emitWarning(`${this.prefix}: ${message}${more}`, {
      type: 'FuturesZmqWarning',
      code: 'FUTURES_ZMQ_' + category.toUpperCase().replace(/[^A-Z]/g, '_'),
    });
  }
}
