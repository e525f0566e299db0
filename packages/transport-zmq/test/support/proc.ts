import { type ChildProcess, spawn } from 'node:child_process';

export interface Event {
  event: string;
  [key: string]: unknown;
}

/**
 * A child process whose stdout carries one JSON event per line (other lines are kept as text).
 * Tests wait on events and on exit; `kill()` ends it (and is safe to call twice).
 */
export class Proc {
  readonly child: ChildProcess;
  readonly events: Event[] = [];
  stdout = '';
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: (() => void)[] = [];

  constructor(
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; detached?: boolean } = {},
  ) {
    this.child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.stdout += `${line}\n`;
        if (line.startsWith('{')) {
          try {
            this.events.push(JSON.parse(line) as Event);
          } catch {
            // not an event
          }
        }
      }
      this.#wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.#wake();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        this.#wake();
        resolve(this.exit);
      });
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves once `pred` holds; rejects if the process exits first, or after `ms`. */
  async until(pred: (p: Proc) => boolean, what: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (this.exit !== null)
        throw new Error(`${what}: the process exited first (${JSON.stringify(this.exit)})\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not within ${ms} ms\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  event(name: string, ms?: number): Promise<Event> {
    return this.until((p) => p.events.some((e) => e.event === name), `event ${name}`, ms).then(
      () => this.events.find((e) => e.event === name)!,
    );
  }

  all(name: string): Event[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Resolves with the exit status; rejects after `ms`. */
  async waitExit(ms = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.until((p) => p.exit !== null, 'exit', ms).catch((error: unknown) => {
      if (this.exit === null) throw error;
    });
    return this.exit!;
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-4000)}--- stderr\n${this.stderr.slice(-4000)}`;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exit === null) {
      try {
        this.child.kill(signal);
      } catch {
        // gone
      }
    }
  }
}
