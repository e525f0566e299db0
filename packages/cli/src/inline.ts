import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerTypeScript } from '@futures/core/worker';
import { UsageError } from './meta.js';
import { LineRenderer } from './progress/view.js';

/** The program as `futures run` was given it. */
export interface ProgramSpec {
  kind: 'script' | 'module' | 'code';
  /** Script path (absolute), module specifier or code. */
  target: string;
  args: readonly string[];
  /** Load TypeScript through tsx. */
  ts: boolean;
}

const SINK = Symbol.for('futures.progress.sink');

/**
 * Runs the program in this process: for a process started by a transport's launcher (an MPI
 * rank 0), whose identity in the job belongs to this process and not to a child. The
 * environment is applied to this process, argv becomes [node, script, ...args], and the
 * program then runs to its natural end (resolves with null: the CLI must not exit for it).
 * Signals reach the program directly (the launcher forwards them).
 */
export async function runInline(
  program: ProgramSpec,
  env: NodeJS.ProcessEnv,
  progress: { intervalMs: number } | null,
): Promise<null> {
  let file: string;
  if (program.kind === 'code') {
    throw new UsageError(
      '-c cannot run in a process started by a launcher (an MPI rank): put the code in a script',
    );
  } else if (program.kind === 'module') {
    try {
      file = createRequire(path.join(process.cwd(), '__futures_resolve__.js')).resolve(program.target);
    } catch (error) {
      throw new UsageError(
        `cannot find module ${program.target} from ${process.cwd()}: ${(error as Error).message}`,
      );
    }
  } else {
    file = program.target;
  }
  for (const [k, v] of Object.entries(env)) if (process.env[k] !== v) process.env[k] = v;
  if (progress !== null) {
    // the program's output shares the terminal with us: plain lines, never redrawn bars
    const renderer = new LineRenderer(process.stderr, progress.intervalMs);
    (globalThis as Record<symbol, unknown>)[SINK] = (m: unknown) => renderer.message(m);
    process.once('exit', () => renderer.stop());
  }
  if (program.ts) {
    // tsx is the application's: resolved from the program's directory, then the working directory
    await registerTypeScript({ from: path.dirname(file), module: `the program ${file}` });
  }
  process.argv.splice(1, process.argv.length - 1, file, ...program.args);
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    // as for `node script`: an uncaught error, printed by node, exit status 1
    setImmediate(() => {
      throw error;
    });
  }
  return null;
}
