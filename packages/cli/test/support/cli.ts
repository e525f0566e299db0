import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

/** The real executable (its shebang and mode are part of what is tested). */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const CLI_DIR = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no FUTURES_* settings or colours leaking in from the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('FUTURES_') && !k.startsWith('VITEST')) env[k] = v;
  delete env.FORCE_COLOR;
  // pnpm's shims set NODE_PATH to its whole store: a program must resolve as it would for a user
  delete env.NODE_PATH;
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in stdout or stderr (what `where` says). */
  waitFor(pattern: RegExp, where?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  done: Promise<Result>;
}

export function start(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Running {
  const child = spawn(command, args, {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? FIXTURES,
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const poke = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    poke();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    poke();
  });
  const done = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => {
      poke();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  let closed = false;
  void done.then(() => {
    closed = true;
  });
  // a failed test must not leave its command running: SIGTERM (the CLI then stops its
  // program's whole group), SIGKILL if that is not enough
  onTestFinished(async () => {
    if (closed) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  });
  const waitFor = async (
    pattern: RegExp,
    where: 'stdout' | 'stderr' = 'stdout',
  ): Promise<RegExpMatchArray> => {
    for (;;) {
      const m = (where === 'stdout' ? out : err).match(pattern);
      if (m) return m;
      if (closed) {
        throw new Error(`exited before ${pattern} appeared in ${where}\nstdout: ${out}\nstderr: ${err}`);
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { child, stdout: () => out, stderr: () => err, waitFor, done };
}

/** Runs `futures ...args` to the end. */
export function futures(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<Result> {
  const r = start(BIN, args, options);
  r.child.stdin!.end(options.input ?? '');
  return r.done;
}

/** Runs plain `node ...args` to the end (the program without the CLI). */
export function node(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Result> {
  const r = start(process.execPath, args, options);
  r.child.stdin!.end();
  return r.done;
}
