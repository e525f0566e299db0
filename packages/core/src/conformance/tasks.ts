/**
 * Task functions used by the conformance suite, loaded by workers by reference
 * (`@futures/core/conformance/tasks`). They use only their arguments and globals.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { registerClass } from '../serialization/classes.js';
import { currentSignal, currentWorkerId } from '../worker/task-context.js';
import { isWorker } from '../worker-context.js';

export function add(a: number, b: number): number {
  return a + b;
}

export async function addAsync(a: number, b: number): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return a + b;
}

export function echo<T>(value: T): T {
  return value;
}

export function square(x: number): number {
  return x * x;
}

/** An error class of the task's own, with a code, a custom field and a cause. */
export class QuotaError extends Error {
  override name = 'QuotaError';
  code = 'E_QUOTA';
  limit: number;
  constructor(message: string, limit: number, options?: { cause?: unknown }) {
    super(message, options);
    this.limit = limit;
  }
}
// Both sides import this module (the test for the class, the worker for the task): the
// error arrives as a QuotaError.
registerClass(QuotaError);

/** A value class registered on both sides: its instances travel with their class, both ways. */
export class Money {
  constructor(
    readonly cents: number,
    readonly currency: string,
  ) {}
  plus(other: Money): Money {
    return new Money(this.cents + other.cents, this.currency);
  }
}
registerClass(Money);

/** Whether the argument arrived as a Money; returns it doubled (a Money). */
export function doubleMoney(m: Money): [boolean, Money] {
  return [m instanceof Money, m.plus(m)];
}

/** Not registered: arrives as an Error named UnregisteredError. */
export class UnregisteredError extends Error {
  override name = 'UnregisteredError';
}

export function failUnregistered(): never {
  throw new UnregisteredError('not registered');
}

export function failWithQuota(limit: number): never {
  throw new QuotaError(`quota of ${limit} exceeded`, limit, { cause: new TypeError('inner cause') });
}

export async function failAsync(message: string): Promise<never> {
  await new Promise((resolve) => setImmediate(resolve));
  throw new RangeError(message);
}

export function throwString(): never {
  throw 'a plain string';
}

/** Fails on one value, else squares: for the error position in map. */
export function squareOrFail(x: number, bad: number): number {
  if (x === bad) throw new RangeError(`bad item ${x}`);
  return x * x;
}

/** A result the wire cannot carry (a function). */
export function unserializableResult(): unknown {
  return { fn: () => 1 };
}

export function readEnv(name: string): string | undefined {
  return process.env[name];
}

export function readCwd(): string {
  return process.cwd();
}

const state = globalThis as { __futuresConformanceInit?: unknown };

export function initialize(value: unknown): void {
  state.__futuresConformanceInit = value;
}

export function readInitialized(): unknown {
  return state.__futuresConformanceInit;
}

/** Whether the task runs in a futures worker (it always should). */
export function inWorker(): boolean {
  return isWorker();
}

export function failInitializer(): never {
  throw new Error('initializer refused to start');
}

/** An initializer that waits at the gate as `name`, then fails (still running while the test acts). */
export async function failInitializerAtGate(socketPath: string, name: string): Promise<never> {
  await gate(socketPath, name, null);
  throw new Error('initializer refused to start');
}

/** Sum and length of a byte payload, to check a big round trip without echoing it. */
export function checksum(bytes: Uint8Array): [number, number] {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4096) sum = (sum + bytes[i]!) % 1_000_000_007;
  return [sum, bytes.length];
}

/** Returns a fresh payload of `size` bytes with a pattern. */
export function makePayload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/**
 * Connects to the test's gate at `socketPath`, announces `name`, and waits until the test
 * releases it; returns `value`. This is how the suite knows a task is running and holds
 * it there, without sleeping.
 */
export function gate<T>(socketPath: string, name: string, value: T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = net.connect(socketPath);
    sock.setNoDelay(true);
    let released = false;
    sock.on('connect', () => sock.write(`${name}\n`));
    sock.on('data', () => {
      released = true;
      sock.end();
      resolve(value);
    });
    sock.on('error', reject);
    sock.on('close', () => {
      if (!released) reject(new Error(`gate ${name}: the test closed the gate without releasing it`));
    });
  });
}

/** Tells the gate `name` arrived, without waiting to be released. */
function announce(socketPath: string, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sock = net.connect(socketPath, () => sock.end(`${name}\n`, () => resolve()));
    sock.on('error', reject);
  });
}

/** Cooperative: announces itself, waits for its abort signal, reports that it saw it, then stops. */
export async function waitForAbort(socketPath: string, name: string): Promise<string> {
  const signal = currentSignal();
  await announce(socketPath, name);
  // the abort may already have come while announcing: a fired signal fires no more events
  if (!signal.aborted)
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  await announce(socketPath, `${name}:observed`);
  throw new Error(`stopped by abort: ${String(signal.reason)}`);
}

/** Not cooperative: announces itself, then spins (ignoring any abort) until `releaseFile` exists. */
export async function spinUntilFile(socketPath: string, name: string, releaseFile: string): Promise<string> {
  await announce(socketPath, name);
  while (!fs.existsSync(releaseFile)) {
    // busy on purpose: a task that never yields and never looks at its signal
  }
  return 'finished';
}

/** Which worker this is: "worker <id>" (ids are unique within an executor). */
export function whoAmI(): string {
  return `worker ${currentWorkerId()}`;
}

/** How a `chore` ends: pass at once, wait at the gate, or spin (ignoring everything) then leave. */
export type ChoreMode =
  | { kind: 'pass'; spinMs?: number }
  | { kind: 'hold'; gate: string }
  | { kind: 'spin-then-exit'; gate: string; releaseFile: string };

/**
 * One task function for the scheduling tests, so that every call shares one learned
 * duration. It records that it ran by creating `dir/name` exclusively (a second run of the
 * same task fails with EEXIST: nothing may run twice), then passes (after spinning for
 * `spinMs`), waits at the gate
 * until released (async: the worker still reads messages), or announces itself, spins
 * without yielding until `releaseFile` exists and ends its worker. Returns whoAmI().
 * `payload` is carried and ignored (tests of arguments moved with transfer()).
 */
export async function chore(
  dir: string,
  name: string,
  mode: ChoreMode = { kind: 'pass' },
  payload?: Uint8Array,
): Promise<string> {
  void payload; // only carried: tests of moved arguments (shm's transfer()) give one
  const me = whoAmI(); // before any await: core's in-thread test transport runs several workers in one thread
  fs.writeFileSync(path.join(dir, name), me, { flag: 'wx' });
  if (mode.kind === 'pass' && mode.spinMs !== undefined) {
    const end = performance.now() + mode.spinMs;
    while (performance.now() < end) {
      // CPU work of a known length
    }
  }
  if (mode.kind === 'hold') await gate(mode.gate, name, null);
  if (mode.kind === 'spin-then-exit') {
    await announce(mode.gate, name);
    while (!fs.existsSync(mode.releaseFile)) {
      // busy on purpose: the worker cannot answer a revoke while this runs
    }
    process.exit(7);
  }
  return me;
}

/**
 * The chaos tests' task: item `i` ends its worker (exit code 3) the first time it runs when
 * `i % dieEvery` is `dieEvery - 1` (a marker file in `dir` remembers "first time"); every
 * other run spins on the CPU for `workMs` and returns `i * 3 + 1`.
 */
export function chaos(dir: string, i: number, dieEvery: number, workMs: number): number {
  if (i % dieEvery === dieEvery - 1) {
    const marker = path.join(dir, `died-${i}`);
    if (!fs.existsSync(marker)) {
      fs.writeFileSync(marker, String(process.pid));
      process.exit(3);
    }
  }
  const end = performance.now() + workMs;
  let x = i;
  while (performance.now() < end) x = (x * 31 + 7) % 1_000_003;
  return i * 3 + 1 + (x < 0 ? 1 : 0);
}

/** Builds a result of `n` small objects: far more than a small worker heap holds. */
export function hugeResult(n: number): { i: number; label: string }[] {
  const out: { i: number; label: string }[] = [];
  for (let i = 0; i < n; i++) out.push({ i, label: `item ${i}` });
  return out;
}

/** The worker's process id. */
export function pid(): number {
  return process.pid;
}
