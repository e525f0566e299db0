// Helpers that run.ts and soak.ts share: a child run of the same script, and a results file's header.

import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * This process's own command-line arguments, less `--`, `--out=` and `--child=` ones: what a
 * child run of the same script is started with (before its own `--child=`).
 */
export function childArgs(): string[] {
  return process.argv
    .slice(2)
    .filter((a) => a !== '--' && !a.startsWith('--child=') && !a.startsWith('--out='));
}

/**
 * Runs the script at `scriptUrl` (an `import.meta.url`) in a fresh node process with
 * `execArgv` and `args`, and parses the JSON it prints on stdout; rejects with
 * "`what` failed (exit N)" if it exits non-zero.
 */
export function runJsonChild<T>(
  scriptUrl: string,
  execArgv: string[],
  args: string[],
  what: string,
): Promise<T> {
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(scriptUrl), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${what} failed (exit ${code})`));
      else resolve(JSON.parse(out) as T);
    });
  });
}

/** What every results file starts with: when, how long since `started` (ms), and on what machine. */
export function runHeader(started: number) {
  return {
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
  };
}
