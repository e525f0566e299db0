import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolExecutor, task } from '@futures/core';
import { Gate } from '@futures/core/conformance';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { keygen } from '../../src/index.js';
import { Proc } from './proc.js';

// Shared by the loopback test files: task references, a cluster key in a temporary
// directory, and pools, worker processes and gates that are cleaned up after each test.
export const TASKS = new URL('../fixtures/tasks.mjs', import.meta.url).href;
export const WORKER_BIN = new URL('../../bin/futures-zmq-worker.js', import.meta.url).pathname;
export const HB = { heartbeatInterval: 200, heartbeatTimeout: 1000 };
export const who = task<(i: number) => { i: number; pid: number; tag: string | null }>(TASKS, 'who');
export const hold = task<(socketPath: string, i: number) => { i: number; pid: number }>(TASKS, 'hold');
export const echo = task<<T>(v: T) => T>(TASKS, 'echo');
export const throwLater = task<(message: string) => string>(TASKS, 'throwLater');
export const echoOrHold = task<<T>(socketPath: string, heldIndex: number, i: number, value: T) => Promise<T>>(
  TASKS,
  'echoOrHold',
);

/** What fixtures/tasks.mjs `hold` tells core's gate besides its name (String(i)): which task, and where it runs. */
export interface HoldDetails {
  i: number;
  pid: number;
  ns: string | null;
  tag: string | null;
}
export type HoldGate = Gate<HoldDetails>;

export let dir: string;
export let keyFile: string;
export let keyText: string;
const pools: PoolExecutor[] = [];
const procs: Proc[] = [];
const gates: HoldGate[] = [];

/** Registers the hooks: the key before all tests, cleanup after each, the directory's removal at the end. */
export function useHarness(): void {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fz-test-'));
    keyText = keygen();
    keyFile = path.join(dir, 'cluster.key');
    fs.writeFileSync(keyFile, `# test key\n${keyText}\n`, { mode: 0o600 });
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
    await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true }).catch(() => {})));
    for (const g of gates.splice(0)) await g.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
}

export const pool = (options: ConstructorParameters<typeof PoolExecutor>[0]): PoolExecutor => {
  const p = new PoolExecutor(options);
  pools.push(p);
  return p;
};
export const workerProc = (args: string[]): Proc => {
  const p = new Proc(process.execPath, [WORKER_BIN, ...args]);
  procs.push(p);
  return p;
};
export const openGate = async (): Promise<HoldGate> => {
  const g = await Gate.open<HoldDetails>();
  gates.push(g);
  return g;
};
