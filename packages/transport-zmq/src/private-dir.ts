import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The directory of the local workers' Unix socket: only this user can enter it (mkdtemp
 * makes it 0700). Removed by `remove()`, or when the process exits without calling it.
 */
export class PrivateSocketDir {
  readonly path = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-zmq-'));
  readonly #removeNow = (): void => fs.rmSync(this.path, { recursive: true, force: true });

  constructor() {
    process.on('exit', this.#removeNow);
  }

  /** The ipc:// address of a socket named `name` in it. */
  address(name: string): string {
    return `ipc://${path.join(this.path, name)}`;
  }

  remove(): void {
    this.#removeNow();
    process.off('exit', this.#removeNow);
  }
}
