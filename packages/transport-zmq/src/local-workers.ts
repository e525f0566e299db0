import { type ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import { type TransportContext, workerEntryUrl, workerLaunch } from '@futures/core/transport';
import type { ResolvedZmqOptions } from './options.js';

export const WORKER_ENTRY = workerEntryUrl(import.meta.url);

export interface LocalWorkerSpec {
  connect: string;
  /** Cluster key text handed over the lifeline pipe, or null without CURVE. */
  key: string | null;
  runtimeUrl: string;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  maxMessageBytes: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
  execArgv: readonly string[];
  /** Let this process exit while the worker runs (a controller's pool); a supervisor keeps it. @default true */
  unref?: boolean;
}

/** What a controller's local workers are started with: its context's env, cwd and Node flags. */
export function localWorkerSpec(
  ctx: TransportContext,
  opts: Pick<ResolvedZmqOptions, 'heartbeatInterval' | 'heartbeatTimeout' | 'maxMessageBytes'>,
  connect: string,
  key: string | null,
): LocalWorkerSpec {
  return {
    connect,
    key,
    runtimeUrl: ctx.workerRuntimeUrl,
    heartbeatInterval: opts.heartbeatInterval,
    heartbeatTimeout: opts.heartbeatTimeout,
    maxMessageBytes: opts.maxMessageBytes,
    ...workerLaunch(ctx, 'process'),
  };
}

/**
 * A worker process started by this controller (or by `futures worker -n N`). Its fd 3 is a
 * lifeline pipe: the key goes down it first, and a watchdog thread in the worker kills the
 * process the moment the pipe reaches EOF, i.e. whenever this process ends, however it ends.
 */
export class LocalWorker {
  readonly token = crypto.randomBytes(12).toString('hex');
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** The transport's link for this process once it joined. */
  workerId = -1;

  constructor(spec: LocalWorkerSpec, extraArgs: readonly string[] = []) {
    const args = [
      ...spec.execArgv,
      WORKER_ENTRY.pathname,
      '--connect',
      spec.connect,
      '--lifeline',
      '3',
      '--parent',
      String(process.pid),
      '--token',
      this.token,
      '--runtime',
      spec.runtimeUrl,
      '--heartbeat-interval',
      String(spec.heartbeatInterval),
      '--heartbeat-timeout',
      String(spec.heartbeatTimeout),
      '--max-message-bytes',
      String(spec.maxMessageBytes),
      ...(spec.key === null ? ['--no-curve'] : []),
      ...extraArgs,
    ];
    this.child = spawn(process.execPath, args, {
      cwd: spec.cwd,
      env: spec.env,
      // Its own process group: a terminal's Ctrl-C reaches the controller, which decides;
      // the workers end with it through the lifeline.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      this.child.once('error', () => {
        this.exitInfo ??= { code: 127, signal: null };
        resolve(this.exitInfo);
      });
    });
    const lifeline = this.child.stdio[3] as Writable & { unref?: () => void };
    lifeline.on('error', () => {});
    lifeline.write(`${spec.key ?? '-'}\n`);
    if (spec.unref !== false) {
      lifeline.unref?.();
      this.child.unref();
    }
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo !== null) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  describeExit(): string {
    const e = this.exitInfo;
    if (e === null) return 'is running';
    return e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  }
}

/** Kills every registered local worker when this process exits (normal end, process.exit, uncaught error). */
const registry = new Set<LocalWorker>();
let exitHookInstalled = false;

export function registerLocal(worker: LocalWorker): void {
  registry.add(worker);
  void worker.exited.then(() => registry.delete(worker));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const w of registry) w.kill('SIGKILL');
    });
  }
}

/** Local processes that die before joining are respawned this often before the pool gives up. */
const MAX_START_FAILURES = 3;

/** The local worker processes of one controller. */
export class LocalPool {
  readonly #workers = new Map<string, LocalWorker>();
  readonly #spec: () => LocalWorkerSpec;
  readonly #onExit: (worker: LocalWorker) => void;
  #startFailures = 0;

  constructor(spec: () => LocalWorkerSpec, onExit: (worker: LocalWorker) => void) {
    this.#spec = spec;
    this.#onExit = onExit;
  }

  spawn(): void {
    const worker = new LocalWorker(this.#spec(), ['--quiet']);
    this.#workers.set(worker.token, worker);
    registerLocal(worker);
    void worker.exited.then(() => {
      this.#workers.delete(worker.token);
      this.#onExit(worker);
    });
  }

  /** The running process that announced `token` and has not joined yet, or null. */
  claim(token: unknown, workerId: number): LocalWorker | null {
    const w = typeof token === 'string' ? this.#workers.get(token) : undefined;
    if (w === undefined || w.workerId >= 0) return null;
    w.workerId = workerId;
    this.#startFailures = 0;
    return w;
  }

  /** Counts a process that died before it joined; true once that happened too often in a row. */
  startFailed(): boolean {
    return ++this.#startFailures >= MAX_START_FAILURES;
  }

  get allExited(): boolean {
    for (const w of this.#workers.values()) if (w.alive) return false;
    return true;
  }

  killAll(): void {
    for (const w of this.#workers.values()) w.kill('SIGKILL');
  }
}
