// Runs commands as real child processes with a clean environment (none of the monorepo's
// PATH entries or package-manager variables leak into the temporary projects) and formats
// a failure with the tail of what the command printed.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The monorepo's root (consumer/src/.. /..). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface RunOptions {
  cwd: string;
  /** Variables added to (or, when undefined, removed from) the clean environment. */
  env?: Record<string, string | undefined>;
  /** Milliseconds before the command's process group is killed. @default 120000 */
  timeoutMs?: number;
}

export interface CommandResult {
  command: string;
  cwd: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

// Variables a package manager or the test runner sets for its own scripts: a user's shell
// has none of them. Registry, proxy and cache settings (other npm_config_*) are kept.
const DROPPED = [
  /^npm_(?!config_)/i,
  /^pnpm_/i,
  /^PNPM_(?!HOME$)/,
  /^npm_config_(user_agent|node_gyp|verify_deps_before_run|frozen_lockfile|prefix|global_prefix|local_prefix)$/i,
  /^FUTURES_/,
  /^VITEST/,
  /^TURBO_/,
  /^(NODE_OPTIONS|NODE_PATH|NODE_ENV|INIT_CWD|TEST|TSX_TSCONFIG_PATH|TS_NODE_PROJECT)$/,
];

/** The environment of a user's shell: no monorepo bin directories on PATH, no script variables. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || DROPPED.some((re) => re.test(key))) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => {
      if (dir === '' || !path.isAbsolute(dir)) return false;
      if (dir.includes(`node_modules${path.sep}.bin`) || dir.includes('node-gyp-bin')) return false;
      const rel = path.relative(REPO_ROOT, dir);
      return rel.startsWith('..') || path.isAbsolute(rel);
    })
    .join(path.delimiter);
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `file args` and resolves with everything it printed; never rejects on a failing exit. */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<CommandResult> {
  const command = [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout kills what it started too (MPI ranks, workers)
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      clearTimeout(timer);
      if (error) stderr += `\n[spawn error] ${error.message}`;
      resolve({
        command,
        cwd: options.cwd,
        code,
        signal,
        timedOut,
        stdout,
        stderr,
        ms: Date.now() - started,
      });
    };
    child.on('error', (error) => finish(null, null, error));
    child.on('close', (code, signal) => {
      killGroup(); // leave no orphans (e.g. a worker a crashed program left behind)
      finish(code, signal);
    });
  });
}

/** The text, or its head and tail when longer than max (the first and the last lines both matter). */
function clip(text: string, max: number): string {
  const t = text.trimEnd();
  if (t.length <= max) return t;
  const head = Math.floor(max / 4);
  return `${t.slice(0, head)}\n[... ${t.length - max} characters left out ...]\n${t.slice(-(max - head))}`;
}

/** A multi-line description of a finished command with the tails of its output. */
export function describeResult(r: CommandResult, max = 8000): string {
  const status = r.timedOut
    ? `timed out after ${r.ms} ms (killed)`
    : r.signal
      ? `killed by ${r.signal}`
      : `exit code ${r.code}`;
  return [
    `$ ${r.command}`,
    `  (in ${r.cwd}; ${status}; ${(r.ms / 1000).toFixed(1)} s)`,
    `--- stdout ---`,
    clip(r.stdout, max) || '(empty)',
    `--- stderr ---`,
    clip(r.stderr, max) || '(empty)',
  ].join('\n');
}

/** Thrown by runOk: its message is the command and the tail of its output. */
export class CommandError extends Error {
  constructor(readonly result: CommandResult) {
    super(`command failed:\n${describeResult(result)}`);
    this.name = 'CommandError';
  }
}

/** Runs a command that must exit 0 (used in setup steps); throws CommandError otherwise. */
export async function runOk(
  file: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const r = await run(file, args, options);
  if (r.code !== 0 || r.timedOut) throw new CommandError(r);
  return r;
}
