import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

/** How long a program has to stop after a forwarded SIGINT/SIGTERM before its process group is killed. */
export const DEFAULT_GRACE_MS = 3000;

// The types of these options are the library's own (no Node types in the published typings).

/** Standard streams of the child, as `child_process.spawn` takes them (without stream objects). */
export type SuperviseStdio =
  | 'inherit'
  | 'pipe'
  | 'ignore'
  | ('inherit' | 'pipe' | 'ignore' | 'ipc' | number | null | undefined)[];

/** A piped output stream of the child (a `stream.Readable`), as text. */
export interface SupervisedOutput {
  setEncoding(encoding: 'utf8'): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** The spawned child (a `child_process.ChildProcess`), as `onSpawn` sees it. */
export interface SupervisedChild {
  readonly pid?: number | undefined;
  readonly stdout: SupervisedOutput | null;
  readonly stderr: SupervisedOutput | null;
  /** IPC messages from the child (with `'ipc'` in stdio). */
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface SuperviseOptions {
  env: Readonly<Record<string, string | undefined>>;
  stdio: SuperviseStdio;
  /** Milliseconds between the forwarded signal and SIGKILL to the process group. */
  graceMs?: number;
  /** Called with the child once it is spawned (IPC messages, piped output). */
  onSpawn?(child: SupervisedChild): void;
  /**
   * The child is a launcher (mpiexec) that ends with a code of its own (Open MPI: 1) when
   * the signal we forwarded ended the job: report 128 + that signal, as for any program.
   */
  launcher?: boolean;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

/** Exit status of a child as a shell reports it: its code, or 128 + the signal number (a name such as "SIGTERM"). */
export function exitStatus(code: number | null, signal: string | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : os.constants.signals[signal as NodeJS.Signals];
  return n === undefined ? 1 : 128 + n;
}

/** A live (not zombie) process in group `pgid` exists. Zombies wait for a reaper we cannot be. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return true;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {}
  }
  return false;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {}
}

/** Ends what is left of a process group: SIGTERM, then SIGKILL after `ms`. */
async function reapGroup(pgid: number, ms: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + ms;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  killGroup(pgid, 'SIGKILL');
}

/**
 * Runs `argv` as a child in its own session and process group, forwards SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT (and SIGWINCH) to it, kills its whole group when it does not stop within the
 * grace period or when a second signal comes, reaps the group when the child exits (no
 * orphans), and resolves with the child's exit status (128 + n for signal n).
 */
export function supervise(argv: readonly string[], options: SuperviseOptions): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError('supervise: empty command');
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  return new Promise<number>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, { env: options.env, stdio: options.stdio, detached: true });
    } catch (error) {
      process.stderr.write(`futures: cannot start ${command}: ${(error as Error).message}\n`);
      resolve(127);
      return;
    }
    const pgid = child.pid;
    let exited = false;
    let signalled = 0;
    let firstSignal: NodeJS.Signals | null = null;
    let escalation: NodeJS.Timeout | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (exited || pgid === undefined) return;
      signalled++;
      firstSignal ??= signal;
      if (signalled === 1) {
        child.kill(signal);
        escalation = setTimeout(() => killGroup(pgid, 'SIGKILL'), graceMs);
      } else {
        killGroup(pgid, 'SIGKILL');
      }
    };
    const onWinch = (): void => {
      if (!exited) child.kill('SIGWINCH');
    };
    const onExit = (): void => {
      // the CLI itself is going away: leave nothing behind
      if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    };
    for (const s of FORWARDED) process.on(s, onSignal);
    process.on('SIGWINCH', onWinch);
    process.on('exit', onExit);
    const cleanup = (): void => {
      for (const s of FORWARDED) process.removeListener(s, onSignal);
      process.removeListener('SIGWINCH', onWinch);
      if (escalation) clearTimeout(escalation);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (exited) return;
      exited = true;
      cleanup();
      process.removeListener('exit', onExit);
      process.stderr.write(`futures: cannot start ${command}: ${error.message}\n`);
      resolve(error.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      exited = true;
      cleanup();
      const status =
        options.launcher && firstSignal !== null && code !== 0
          ? exitStatus(null, firstSignal)
          : exitStatus(code, signal);
      const finish = (): void => {
        process.removeListener('exit', onExit);
        resolve(status);
      };
      // end whatever the program left in its group, then let piped output and IPC drain
      const drained = new Promise<void>((r) => {
        const timer = setTimeout(r, 2000);
        child.once('close', () => {
          clearTimeout(timer);
          r();
        });
      });
      const reaped = pgid === undefined ? Promise.resolve() : reapGroup(pgid, signalled > 0 ? 0 : 1000);
      void Promise.all([reaped, drained]).then(finish, finish);
    });
    options.onSpawn?.(child);
  });
}
