import { afterEach, beforeEach } from 'vitest';
import type { PoolExecutorOptions } from '../executor/options.js';
import type { PoolExecutor } from '../executor/pool-executor.js';
import { task } from '../task.js';
import { Gate } from './gate.js';
import type * as T from './tasks.js';

/** What a transport's test file gives the suite. */
export interface ConformanceConfig {
  /** Shown in the test names, e.g. "shm". */
  name: string;
  /** Builds an executor on the transport under test, with the given core options merged in. */
  createExecutor(options: PoolExecutorOptions): PoolExecutor;
  capabilities?: {
    /** Workers can have their own working directory (processes: yes; threads: no). @default true */
    chdir?: boolean;
    /** Tasks run apart from the test's own thread (a busy task does not stop the test). @default true */
    isolated?: boolean;
    /** The transport can replace a worker (escalation of an ignored abort); MPI cannot. @default true */
    replaceWorkers?: boolean;
  };
}

// Workers load the compiled module: under vitest this file may run from src/ (TypeScript).
const here = import.meta.url;
export const TASKS_URL = here.endsWith('.ts')
  ? new URL('../../dist/conformance/tasks.js', here).href
  : new URL('./tasks.js', here).href;

/** Typed references to the fixture tasks. */
export const tasks = {
  add: task<typeof T.add>(TASKS_URL, 'add'),
  addAsync: task<typeof T.addAsync>(TASKS_URL, 'addAsync'),
  echo: task<typeof T.echo>(TASKS_URL, 'echo'),
  square: task<typeof T.square>(TASKS_URL, 'square'),
  failWithQuota: task<typeof T.failWithQuota>(TASKS_URL, 'failWithQuota'),
  failUnregistered: task<typeof T.failUnregistered>(TASKS_URL, 'failUnregistered'),
  doubleMoney: task<typeof T.doubleMoney>(TASKS_URL, 'doubleMoney'),
  failAsync: task<typeof T.failAsync>(TASKS_URL, 'failAsync'),
  throwString: task<typeof T.throwString>(TASKS_URL, 'throwString'),
  squareOrFail: task<typeof T.squareOrFail>(TASKS_URL, 'squareOrFail'),
  unserializableResult: task<typeof T.unserializableResult>(TASKS_URL, 'unserializableResult'),
  readEnv: task<typeof T.readEnv>(TASKS_URL, 'readEnv'),
  readCwd: task<typeof T.readCwd>(TASKS_URL, 'readCwd'),
  initialize: task<typeof T.initialize>(TASKS_URL, 'initialize'),
  readInitialized: task<typeof T.readInitialized>(TASKS_URL, 'readInitialized'),
  failInitializer: task<typeof T.failInitializer>(TASKS_URL, 'failInitializer'),
  inWorker: task<typeof T.inWorker>(TASKS_URL, 'inWorker'),
  recursiveDouble: task<(x: number) => number>(new URL('./recursive-module.js', TASKS_URL), 'double'),
  failInitializerAtGate: task<typeof T.failInitializerAtGate>(TASKS_URL, 'failInitializerAtGate'),
  checksum: task<typeof T.checksum>(TASKS_URL, 'checksum'),
  makePayload: task<typeof T.makePayload>(TASKS_URL, 'makePayload'),
  gate: task<typeof T.gate<unknown>>(TASKS_URL, 'gate'),
  waitForAbort: task<typeof T.waitForAbort>(TASKS_URL, 'waitForAbort'),
  spinUntilFile: task<typeof T.spinUntilFile>(TASKS_URL, 'spinUntilFile'),
  chore: task<typeof T.chore>(TASKS_URL, 'chore'),
  chaos: task<typeof T.chaos>(TASKS_URL, 'chaos'),
  hugeResult: task<typeof T.hugeResult>(TASKS_URL, 'hugeResult'),
  pid: task<typeof T.pid>(TASKS_URL, 'pid'),
  missingExport: task<() => void>(TASKS_URL, 'noSuchExport'),
  missingModule: task<() => void>(new URL('./no-such-module.js', TASKS_URL), 'default'),
};

/** Per-test state: executors to clean up and a gate to hold tasks. */
export interface SuiteContext {
  make(options?: PoolExecutorOptions): PoolExecutor;
  gate: Gate;
  config: ConformanceConfig;
}

/** Registers hooks that give each test a fresh gate and shut its executors down after it. */
export function useSuiteContext(config: ConformanceConfig): SuiteContext {
  const executors: PoolExecutor[] = [];
  const ctx: SuiteContext = {
    config,
    gate: undefined as unknown as Gate,
    make(options = {}) {
      const ex = config.createExecutor({ maxWorkers: 2, ...options });
      executors.push(ex);
      return ex;
    },
  };
  beforeEach(async () => {
    ctx.gate = await Gate.open();
  });
  afterEach(async () => {
    const gate = ctx.gate;
    // Release anything still held so running tasks can finish, then stop every executor.
    await gate.close();
    await Promise.all(executors.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
  });
  return ctx;
}
