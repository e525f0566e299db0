import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alive, untilGone } from '@futures/core/conformance';

export const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADDON = path.join(PKG_DIR, 'build', 'Release', 'futures_mpi.node');
/** Whether the addon is built here (CI installs an MPI; a machine without one cannot run these tests). */
export const HAS_MPI = fs.existsSync(ADDON);
export const NO_MPI_REASON =
  'no MPI on this machine: the addon is not built (install libopenmpi-dev and run build:native)';

/** A fresh tag for FUTURES_TEST_TAG: every process of a run (launcher, daemons, ranks) inherits it. */
export function newTag(): string {
  return `futures-mpi-test-${randomUUID()}`;
}

/** Pids of live processes whose environment carries `tag` (zombies excluded), other than this one. */
export function taggedProcesses(tag: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!environ.includes(`FUTURES_TEST_TAG=${tag}`)) continue;
      if (alive(pid)) out.push(pid);
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return out;
}

/** The processes tagged `tag` still alive once they had time to go (none, when all is well). */
export function leftBehind(tag: string): Promise<number[]> {
  return untilGone(() => taggedProcesses(tag));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The last line of stdout that parses as JSON. */
  json: unknown;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called with each stdout chunk (e.g. to react to a READY line). */
  onStdout?: (text: string, child: ChildProcess) => void;
}

/** Runs a command in its own process group; on timeout kills the whole group. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: PKG_DIR,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json: unknown;
      for (const line of stdout.trim().split('\n').reverse()) {
        try {
          json = JSON.parse(line);
          break;
        } catch {}
      }
      resolve({ code, signal, stdout, stderr, ms: Date.now() - start, json });
    });
  });
}

/** The launcher for N ranks (Open MPI's mpiexec unless FUTURES_MPIEXEC says otherwise). */
export function mpiexec(n: number, args: string[]): [string, string[]] {
  return [process.env.FUTURES_MPIEXEC || 'mpiexec', ['-n', String(n), ...args]];
}

/** Tagged processes that are spawned MPI workers (the singleton's Open MPI daemon lives as long as MPI does). */
export function taggedWorkers(tag: string): number[] {
  return taggedProcesses(tag).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('worker-entry');
    } catch {
      return false;
    }
  });
}
