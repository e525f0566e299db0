/**
 * The wake-up protocol of a link, written once for both sides.
 *
 * Each side sleeps on a bell: a counter in shared memory that the other side bumps, then
 * notifies (a worker on its link's WORKER_BELL; the controller on the one CTRL_BELL that all
 * links share, so that one waitAsync covers them all). Before it sleeps, a side raises flags
 * in shared memory that say what should wake it: "waiting" (new frames for me) and "wants
 * space" (room in the ring I write to). The other side, right after it publishes bytes
 * (stores HEAD) or releases room (stores TAIL), lowers the matching flag with an exchange and
 * rings only when the flag was raised: one ring per sleep, however many frames follow.
 *
 * Why no wake-up is lost (the sleeper's sequence, `Bell.prepareSleep`): the sleeper reads the
 * bell, raises its flags, then looks at the rings again. The waker stores HEAD or TAIL before
 * it exchanges the flag. All of these are sequentially consistent Atomics, so either the
 * sleeper's second look sees the waker's bytes (it does not sleep), or the waker's exchange
 * sees the raised flag and bumps the bell after the sleeper read it; then the wait on
 * (bell, seen) returns at once ('not-equal') or is notified. `ring` notifies every waiter,
 * so a stale waitAsync cannot absorb the ring meant for a later Atomics.wait.
 */
export class Bell {
  constructor(
    readonly words: Int32Array,
    readonly index: number,
  ) {}

  /** Bumps the bell and wakes every thread (and waitAsync) waiting on it. */
  ring(): void {
    Atomics.add(this.words, this.index, 1);
    Atomics.notify(this.words, this.index);
  }

  /**
   * The waker's side for one flag: a function to call after publishing bytes or releasing
   * room, which rings this bell only if its sleeper raised `flags[flag]` (and lowers it).
   */
  wakerFor(flags: Int32Array, flag: number): () => void {
    return () => {
      if (Atomics.exchange(flags, flag, 0) !== 0) this.ring();
    };
  }

  /**
   * The sleeper's side up to the wait: reads the bell, then `raise`s the flags, then
   * `recheck`s the rings. Returns the bell value to wait on, or null when the re-check found
   * work (then do not sleep; the raised flags at worst cost the other side one extra ring).
   */
  prepareSleep(raise: () => void, recheck: () => boolean): number | null {
    const seen = Atomics.load(this.words, this.index);
    raise();
    return recheck() ? null : seen;
  }

  /** Blocks the calling thread until the bell moves from `seen`. Worker threads only: never the controller's. */
  sleep(seen: number): void {
    Atomics.wait(this.words, this.index, seen);
  }

  /**
   * Resolves once the bell moves from `seen`, without blocking; null when it already has
   * (then look at the rings again at once).
   */
  sleepAsync(seen: number): Promise<unknown> | null {
    const r = waitAsync(this.words, this.index, seen);
    return r.async ? r.value : null;
  }
}

/** Raises a flag that asks the other side to ring (the sleeper's `raise` step). */
export function raise(flags: Int32Array, flag: number): void {
  Atomics.store(flags, flag, 1);
}

/** Lowers a flag the sleeper raised but no longer needs (it found work instead of sleeping). */
export function lower(flags: Int32Array, flag: number): void {
  Atomics.store(flags, flag, 0);
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

/** Atomics.waitAsync (ES2024; the project's lib is ES2023). Never blocks the calling thread. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
  }
).waitAsync;
