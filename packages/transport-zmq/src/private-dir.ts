import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Signals that end a Node process by default, and that a terminal or supervisor sends. */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Directories of this process not yet removed (one per executor with local workers). */
const live = new Set<PrivateSocketDir>();

/**
 * A signal arrived. When nobody else listens for it, Node would end the process without an
 * 'exit' event: remove the directories, then end the process by the same signal (its exit
 * status stays 128 + n). When the program listens too, it decides; its exit removes them.
 */
function onEndingSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  for (const dir of [...live]) dir.remove();
  watchSignals(false);
  process.kill(process.pid, signal);
}

function watchSignals(on: boolean): void {
  for (const s of ENDING_SIGNALS) {
    if (on) process.on(s, onEndingSignal);
    else process.off(s, onEndingSignal);
  }
}

/**
 * The directory of the local workers' Unix socket: only this user can enter it (mkdtemp
 * makes it 0700). Removed by `remove()`, when the process exits without calling it, or when
 * a signal ends the process (SIGINT, SIGTERM, SIGHUP).
 */
export class PrivateSocketDir {
  readonly path = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-zmq-'));
  readonly #removeNow = (): void => fs.rmSync(this.path, { recursive: true, force: true });

  constructor() {
    process.on('exit', this.#removeNow);
    if (live.size === 0) watchSignals(true);
    live.add(this);
  }

  /** The ipc:// address of a socket named `name` in it. */
  address(name: string): string {
    return `ipc://${path.join(this.path, name)}`;
  }

  remove(): void {
    this.#removeNow();
    process.off('exit', this.#removeNow);
    if (live.delete(this) && live.size === 0) watchSignals(false);
  }
}
