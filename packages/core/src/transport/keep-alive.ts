/**
 * The keep-alive rule, the same for every transport (see `Transport.setActive`): a transport
 * keeps the event loop alive
 * - while the executor has work (`setActive(true)`),
 * - while it is booting: `bootup()` still waits for workers it has not yet heard from (a
 *   worker is "heard from" once its first frame, ready or init-failed, has arrived),
 * - while it is stopping, until its workers are gone,
 * and never after `close()`. Otherwise an idle pool must let the process exit.
 *
 * How a transport holds the loop is its own business (worker threads' ref(), a socket's
 * receive loop, a native engine's hold count): it passes that as `apply`, which is called
 * with the new value on every change, and only then. Controller thread only.
 */
export class KeepAlive {
  readonly #apply: (hold: boolean) => void;
  #active = false;
  #booting = false;
  #stopping = false;
  #closed = false;
  #holds = false;

  constructor(apply: (hold: boolean) => void) {
    this.#apply = apply;
  }

  /** Whether the loop is held now. */
  get holds(): boolean {
    return this.#holds;
  }

  get active(): boolean {
    return this.#active;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** The executor's `Transport.setActive`. */
  setActive(active: boolean): void {
    this.#active = active;
    this.#update();
  }

  /** Whether `bootup()` still waits for workers not yet heard from. */
  setBooting(booting: boolean): void {
    this.#booting = booting;
    this.#update();
  }

  /** `stop()` began: hold until `close()`, whatever the executor says. */
  setStopping(): void {
    this.#stopping = true;
    this.#update();
  }

  /** Everything is released: never hold again. */
  close(): void {
    this.#closed = true;
    this.#update();
  }

  #update(): void {
    const holds = !this.#closed && (this.#active || this.#booting || this.#stopping);
    if (holds === this.#holds) return;
    this.#holds = holds;
    this.#apply(holds);
  }
}
