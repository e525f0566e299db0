/**
 * What the engine knows of the processes on the other side of its channels (from their
 * hellos): pids and hosts, to wait for or kill same-host processes; and which channels this
 * process serves as a worker, to tell their controllers when it is about to die.
 * JavaScript thread only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** This host and pid namespace: a pid means something only where this key matches. */
function localHostKey(): string {
  let ns = '?';
  try {
    ns = String(fs.statSync('/proc/self/ns/pid').ino);
  } catch {}
  return `${os.hostname()}|${ns}`;
}

/** Longest dying notice sent (bytes of UTF-8): a reason and a stack, not a log. */
const DYING_MAX_BYTES = 8192;

export class PeerBook {
  readonly hostKey = localHostKey();
  readonly #peers = new Map<number, Map<number, { pid: number; host: string }>>();
  /** Channels this process serves as a worker: channel -> its controller's rank. */
  readonly #served = new Map<number, number>();
  /** The uncaught error that is ending this process, if one is. */
  #fatal: unknown;
  #watching = false;

  hello(channel: number, rank: number, pid: number, host: string): void {
    const peers = this.#peers.get(channel) ?? new Map<number, { pid: number; host: string }>();
    peers.set(rank, { pid, host });
    this.#peers.set(channel, peers);
  }

  lost(channel: number, rank: number): void {
    this.#peers.get(channel)?.delete(rank);
  }

  /** Pids of the channel's peers on this host, other than this process. */
  localPids(channel: number): number[] {
    const out: number[] = [];
    for (const { pid, host } of this.#peers.get(channel)?.values() ?? [])
      if (host === this.hostKey && pid > 0 && pid !== process.pid) out.push(pid);
    return out;
  }

  /** Kills the same-host peers of `channels` (their job cannot end cleanly after a rank died). */
  killLocal(channels: Iterable<number>): void {
    for (const channel of channels) {
      for (const pid of this.localPids(channel)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  }

  /** This process serves `channel` as a worker of `controllerRank` (until unserve). */
  serve(channel: number, controllerRank: number): void {
    this.#served.set(channel, controllerRank);
    if (this.#watching) return;
    this.#watching = true;
    // Only observes: Node's own handling (print, exit 1) is unchanged.
    process.on('uncaughtExceptionMonitor', (error) => {
      this.#fatal ??= error;
    });
  }

  unserve(channel: number): void {
    this.#served.delete(channel);
  }

  /**
   * The process is exiting while it still serves channels: each controller gets the reason
   * (`send(channel, controllerRank, bytes)`), so it can report the loss at once, with its cause.
   * Returns whether any notice was sent.
   */
  sendDying(code: number, send: (channel: number, rank: number, reason: Uint8Array) => void): boolean {
    if (this.#served.size === 0) return false;
    const reason = Buffer.from(this.#reason(code)).subarray(0, DYING_MAX_BYTES);
    for (const [channel, rank] of this.#served) send(channel, rank, new Uint8Array(reason));
    this.#served.clear();
    return true;
  }

  #reason(code: number): string {
    const e = this.#fatal;
    if (e === undefined) return `its process (pid ${process.pid}) exited with code ${code}`;
    const text =
      e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `a thrown ${typeof e}: ${String(e)}`;
    return `its process (pid ${process.pid}) died of an uncaught ${text}`;
  }
}
