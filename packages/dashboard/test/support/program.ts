// Runs test/programs/pool-run.mjs as a child process (as a user's program runs) and talks to
// it line by line: the test, not the clock, decides when its tasks run.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROGRAMS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../programs');

export class PoolProgram {
  readonly url: Promise<string>;
  /** The dashboard's line on stderr. */
  banner = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  readonly #lines: Record<string, unknown>[] = [];
  #waiters: (() => void)[] = [];

  constructor(env: Record<string, string>, args: string[] = [path.join(PROGRAMS, 'pool-run.mjs')]) {
    this.#child = spawn(process.execPath, args, {
      cwd: PROGRAMS,
      env: { ...process.env, FUTURES_TRANSPORT: 'shm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let found: (url: string) => void;
    let missed: (e: Error) => void;
    this.url = new Promise((resolve, reject) => {
      found = resolve;
      missed = reject;
    });
    this.url.catch(() => {}); // a test that expects no dashboard never awaits it
    this.exited = new Promise((resolve) =>
      this.#child.on('exit', (code) => {
        missed(new Error(`the program exited (${code}) without a dashboard URL; stderr:\n${this.stderr}`));
        resolve(code);
        this.#wake();
      }),
    );
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      const line = /^futures: dashboard at (http:\/\/\S+).*$/m.exec(this.stderr);
      if (line !== null) {
        this.banner = line[0];
        found(line[1]!);
      }
    });
    let rest = '';
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines)
        if (l.startsWith('{')) this.#lines.push(JSON.parse(l) as Record<string, unknown>);
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The program's next line whose `event` is `name`. */
  async next(name: string): Promise<Record<string, unknown>> {
    for (;;) {
      const i = this.#lines.findIndex((l) => l.event === name);
      if (i >= 0) return this.#lines.splice(0, i + 1)[i]!;
      if (this.#child.exitCode !== null)
        throw new Error(`the program ended before "${name}":\n${this.stderr}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}
