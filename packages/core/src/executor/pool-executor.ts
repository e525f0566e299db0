import { attachDashboard, type DashboardAttachment } from '../config/load-dashboard.js';
import { loadTransport } from '../config/load-transport.js';
import { type ResolvedConfig, resolveConfig } from '../config/resolve.js';
import {
  BrokenExecutorError,
  ExecutorShutdownError,
  optionRangeError,
  optionTypeError,
  PoolInTaskModuleError,
} from '../errors.js';
import { Future } from '../future.js';
import {
  checkTaskOptions,
  isWithOptions,
  type TaskArgs,
  type TaskLike,
  type TaskOptions,
  type TaskResult,
} from '../task.js';
import type { Transport } from '../transport/contract.js';
import { CallMode } from '../transport/protocol.js';
import { importingTaskModule } from '../worker-context.js';
import { FnRegistry } from './fn-registry.js';
import { Job } from './job.js';
import { runMap } from './map.js';
import { type ExecutorObserver, ObserverSet } from './observers.js';
import type { MapOptions, PoolExecutorOptions, ShutdownOptions } from './options.js';
import { type ProgressReporter, startProgressReport } from './progress-report.js';
import { Scheduler } from './scheduler.js';
import type { ExecutorStats } from './stats.js';

declare global {
  /**
   * `Symbol.asyncDispose` (Node 20.4+ has it; TypeScript declares it in lib `esnext.disposable`
   * and @types/node in its globals): declared here too, so that these typings compile for
   * programs with neither (the same declaration as theirs, so it merges with both).
   */
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/** What every executor offers (PoolExecutor, and the MPI comm executor). */
export interface Executor {
  submit<T extends TaskLike>(fn: T, ...args: TaskArgs<T>): Future<TaskResult<T>>;
  map<T extends TaskLike>(
    fn: T,
    iterable: Iterable<TaskArgs<T>[0]> | AsyncIterable<TaskArgs<T>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<TaskResult<T>>;
  starmap<T extends TaskLike>(
    fn: T,
    iterable: Iterable<TaskArgs<T>> | AsyncIterable<TaskArgs<T>>,
    options?: MapOptions,
  ): AsyncIterableIterator<TaskResult<T>>;
  shutdown(options?: ShutdownOptions): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const WORKER_RUNTIME_URL = new URL('../worker/index.js', import.meta.url).href;

type State = 'new' | 'running' | 'shutdown' | 'broken';

/**
 * A pool of workers behind one Future API; configuration alone picks where they run
 * (threads, MPI ranks, ZeroMQ peers). Starts lazily at the first submit or bootup().
 */
export class PoolExecutor implements Executor {
  readonly #config: ResolvedConfig;
  readonly #fns = new FnRegistry();
  readonly #scheduler: Scheduler;
  #state: State = 'new';
  #transport: Transport | null = null;
  #starting: Promise<void> | null = null;
  #expectedWorkers = 0;
  #readyWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #brokenError: BrokenExecutorError | null = null;
  #stopped: Promise<void> | null = null;
  #progress: ProgressReporter | null = null;
  #dashboard: DashboardAttachment | null = null;

  constructor(options: PoolExecutorOptions = {}) {
    const importing = importingTaskModule();
    if (importing !== undefined) throw new PoolInTaskModuleError(importing);
    if (typeof options !== 'object' || options === null) {
      throw optionTypeError(`futures: PoolExecutor options must be an object, got ${String(options)}`);
    }
    const opts = options as Record<string, unknown>;
    if (opts.maxWorkers !== undefined && typeof opts.maxWorkers === 'number' && opts.maxWorkers <= 0) {
      throw optionRangeError(
        `futures: maxWorkers must be >= 1, got ${opts.maxWorkers}. Fix: pass a positive number of workers.`,
      );
    }
    this.#config = resolveConfig(opts);
    if (options.initargs !== undefined && !Array.isArray(options.initargs)) {
      throw optionTypeError('futures: option "initargs" must be an array of arguments for the initializer.');
    }
    let initializer = null;
    if (options.initializer !== undefined) {
      const id = this.#fns.idOf(options.initializer, 'option "initializer"');
      initializer = this.#fns.specs[id]!;
    }
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw optionTypeError('futures: option "signal" must be an AbortSignal.');
    }
    this.#scheduler = new Scheduler(
      this.#fns,
      {
        maxInFlight: this.#config.maxInFlight,
        abortGraceMs: this.#config.abortGraceMs,
        maxMessageBytes: this.#config.maxMessageBytes,
        init: {
          initializer,
          initargs: options.initargs ?? [],
          env: this.#config.env,
          cwd: this.#config.cwd,
        },
      },
      {
        workerReady: () => this.#onWorkerReady(),
        idle: () => this.#onIdle(),
        broken: (error) => this.#break(error),
      },
    );
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) void this.shutdown({ wait: false, cancelFutures: true });
      else
        signal.addEventListener('abort', () => void this.shutdown({ wait: false, cancelFutures: true }), {
          once: true,
        });
    }
  }

  /** Workers ready now; before start, the configured count; 0 once shut down or broken. */
  get numWorkers(): number {
    if (this.#state === 'shutdown' || this.#state === 'broken') return 0;
    if (this.#state === 'new') return this.#config.maxWorkers.value;
    return this.#scheduler.readyWorkers;
  }

  /** The transport in use ("shm", "mpi", ...), known once configuration is resolved. */
  get transportName(): string {
    const t = this.#config.transport.value;
    return typeof t === 'string' ? t : t.name;
  }

  /** Counters for progress views and monitoring. */
  stats(): ExecutorStats {
    return this.#scheduler.snapshot();
  }

  /**
   * Calls `observer` as workers join and leave and tasks start and finish (see
   * ExecutorObserver); returns the function that stops it. Workers that joined before the
   * call are not replayed (`stats().workers` lists them). Costs nothing while none observes.
   */
  observe(observer: ExecutorObserver): () => void {
    if (typeof observer !== 'object' || observer === null)
      throw optionTypeError(
        'futures: observe() takes an object with callbacks, e.g. { taskFinished(e) {} }.',
      );
    const set = this.#scheduler.observers ?? new ObserverSet(this.#fns.specs);
    set.add(observer);
    this.#scheduler.observers = set;
    return () => {
      set.delete(observer);
      if (set.size === 0 && this.#scheduler.observers === set) this.#scheduler.observers = null;
    };
  }

  /** Starts the workers now and resolves once they are ready. Rejects after shutdown or when broken. */
  async bootup(): Promise<this> {
    if (this.#state === 'shutdown')
      throw new ExecutorShutdownError('cannot boot up an executor after shutdown()');
    await this.#ensureStarted();
    while (this.#scheduler.readyWorkers < this.#expectedWorkers) {
      if (this.#brokenError) throw this.#brokenError;
      // shut down before the workers were ready: the missing ones will never be
      if (this.#stopped !== null)
        throw new ExecutorShutdownError('the executor was shut down before its workers were ready');
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
    if (this.#brokenError) throw this.#brokenError;
    return this;
  }

  submit<T extends TaskLike>(fn: T, ...args: TaskArgs<T>): Future<TaskResult<T>> {
    return this.#submit(fn, CallMode.Single, args) as Future<TaskResult<T>>;
  }

  map<T extends TaskLike>(
    fn: T,
    iterable: Iterable<TaskArgs<T>[0]> | AsyncIterable<TaskArgs<T>[0]>,
    options: MapOptions = {},
  ): AsyncIterableIterator<TaskResult<T>> {
    return runMap(
      this.#mapSubmitter(fn, options),
      iterable as Iterable<unknown>,
      options,
      false,
    ) as AsyncIterableIterator<TaskResult<T>>;
  }

  starmap<T extends TaskLike>(
    fn: T,
    iterable: Iterable<TaskArgs<T>> | AsyncIterable<TaskArgs<T>>,
    options: MapOptions = {},
  ): AsyncIterableIterator<TaskResult<T>> {
    return runMap(
      this.#mapSubmitter(fn, options),
      iterable as Iterable<unknown>,
      options,
      true,
    ) as AsyncIterableIterator<TaskResult<T>>;
  }

  /**
   * Stops accepting tasks; with `cancelFutures` cancels the queued ones; with `wait` (the
   * default) resolves once every pending future settled and the workers exited. Idempotent.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    if (cancelFutures) this.#scheduler.cancelQueued();
    if (this.#stopped === null) {
      if (this.#state !== 'broken') this.#state = 'shutdown';
      this.#stopped = this.#drainAndStop();
      this.#stopped.catch(() => {});
      this.#onWorkerReady(); // a waiting bootup() looks again (and gives up)
    }
    return wait ? this.#stopped : Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #mapSubmitter(fn: TaskLike, options: MapOptions): (mode: CallMode, args: unknown[]) => Future<unknown> {
    // validate the function and the per-task options once, at the call, as Python's map does
    if (this.#state === 'shutdown') throw new ExecutorShutdownError();
    this.#fns.idOf(fn);
    const perTask: TaskOptions = {};
    if (options.signal !== undefined) perTask.signal = options.signal;
    if (options.taskTimeout !== undefined) perTask.timeout = options.taskTimeout;
    if (options.retries !== undefined) perTask.retries = options.retries;
    checkTaskOptions(perTask, 'map()');
    const taskOptions = Object.keys(perTask).length > 0 ? perTask : undefined;
    return (mode, args) => this.#submit(fn, mode, args, taskOptions);
  }

  #submit(fn: unknown, mode: CallMode, args: unknown[], mapOptions?: TaskOptions): Future<unknown> {
    const future = new Future<unknown>();
    let options = mapOptions;
    if (isWithOptions(fn)) {
      options = fn.options;
      fn = fn.task;
    }
    if (this.#state === 'shutdown' || this.#state === 'broken') {
      future.setException(this.#brokenError ?? new ExecutorShutdownError());
      return future;
    }
    let fnId: number;
    try {
      fnId = this.#fns.idOf(fn);
    } catch (error) {
      future.setException(error);
      return future;
    }
    const job = new Job(future, fnId, mode, args, options?.retries ?? this.#config.retries);
    if (options !== undefined) {
      job.timeoutMs = options.timeout ?? 0;
      job.signal = options.signal ?? null;
    }
    this.#scheduler.enqueue(job);
    if (this.#state === 'new') void this.#ensureStarted().catch(() => {});
    return future;
  }

  #ensureStarted(): Promise<void> {
    if (this.#starting === null) {
      this.#state = this.#state === 'new' ? 'running' : this.#state;
      this.#starting = this.#start().catch((error: unknown) => {
        const broken =
          error instanceof BrokenExecutorError
            ? error
            : new BrokenExecutorError(
                `the executor could not start: ${(error as Error)?.message ?? String(error)}`,
                { cause: error },
              );
        this.#break(broken);
        throw error;
      });
    }
    return this.#starting;
  }

  async #start(): Promise<void> {
    const transportOptions: Record<string, unknown> = {};
    const factory = await loadTransport(this.#config, transportOptions);
    if (this.#config.dashboard !== null)
      this.#dashboard = await attachDashboard(this, this.#config, transportOptions);
    const transport = factory.create({
      maxWorkers: this.#config.maxWorkers.value,
      maxWorkersExplicit: this.#config.maxWorkersExplicit,
      env: this.#config.env,
      cwd: this.#config.cwd,
      execArgv: this.#config.execArgv,
      workerRuntimeUrl: WORKER_RUNTIME_URL,
      maxMessageBytes: this.#config.maxMessageBytes,
    });
    this.#transport = transport;
    this.#scheduler.attach(transport);
    this.#scheduler.stats.startedAt = performance.now();
    this.#expectedWorkers = await transport.start(this.#scheduler);
    this.#progress = startProgressReport(this);
    this.#onWorkerReady();
  }

  #onWorkerReady(): void {
    for (const w of this.#readyWaiters.splice(0)) w();
  }

  #onIdle(): void {
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #break(error: BrokenExecutorError): void {
    if (this.#brokenError !== null) return;
    this.#brokenError = error;
    this.#state = 'broken';
    this.#scheduler.failAll(error);
    this.#onWorkerReady();
    this.#onIdle();
    void this.#transport?.stop({ force: true }).catch(() => {});
    this.#closed(error);
  }

  /** Tells observers and the dashboard that this executor stopped (once). */
  #closed(broken?: Error): void {
    this.#scheduler.observers?.closed(broken);
    this.#scheduler.observers = null;
    this.#dashboard?.detach(broken);
    this.#dashboard = null;
  }

  async #drainAndStop(): Promise<void> {
    if (this.#starting !== null) await this.#starting.catch(() => {});
    while (this.#scheduler.outstanding > 0 && this.#brokenError === null) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    this.#progress?.stop();
    const transport = this.#transport;
    if (transport !== null) {
      if (this.#brokenError === null) this.#scheduler.stopWorkers();
      await transport.stop({ force: this.#brokenError !== null });
    }
    if (this.#brokenError === null) this.#closed();
  }
}
