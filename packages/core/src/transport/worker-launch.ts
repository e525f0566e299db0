import type { TransportContext } from './contract.js';
import { inheritableExecArgv, programFromString } from './exec-argv.js';

/** What a transport starts one worker thread or process with. */
export interface WorkerLaunch {
  /** The whole environment: this process's, with the executor's `env` option over it. */
  env: Record<string, string | undefined>;
  /** The working directory (a process's; a thread shares its process's). */
  cwd: string;
  /**
   * Node flags. For a thread, null means "inherit this thread's" (Worker's own default); a
   * process is always given an explicit list.
   */
  execArgv: readonly string[] | null;
}

/**
 * The one reading of a context's `env`, `cwd` and `execArgv` for starting a worker.
 *
 * Who owns env and cwd: core does. The executor resolves them (option, FUTURES_ENV /
 * FUTURES_CWD, config file), sends them in every worker's init message, and core's worker
 * runtime applies them before the initializer runs, in every worker of every transport
 * (remote zmq workers and MPI ranks included). A transport that starts a thread or a
 * process also starts it with them (through this function), only so that what runs before
 * the runtime (Node's own startup, preloads, module resolution of the entry) sees the same
 * values; it never merges or applies them any other way.
 *
 * Flags, when the user set none: a thread inherits this thread's unless the program came
 * from a string (`futures run -c`, `node -e`), whose flags would stop every thread at start;
 * a process gets `inheritableExecArgv(true)`.
 */
export function workerLaunch(
  ctx: TransportContext,
  kind: 'process',
): WorkerLaunch & { execArgv: readonly string[] };
export function workerLaunch(ctx: TransportContext, kind: 'thread'): WorkerLaunch;
export function workerLaunch(ctx: TransportContext, kind: 'thread' | 'process'): WorkerLaunch {
  const env = ctx.env === null ? { ...process.env } : { ...process.env, ...ctx.env };
  const cwd = ctx.cwd ?? process.cwd();
  let execArgv: readonly string[] | null = ctx.execArgv;
  if (execArgv === null) {
    if (kind === 'process') execArgv = inheritableExecArgv(true);
    else if (programFromString()) execArgv = inheritableExecArgv(false);
  }
  return { env, cwd, execArgv };
}
