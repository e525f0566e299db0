import { task } from '@futures/core';
import type { TransportContext, TransportFactory } from '@futures/core/transport';
import { type ShmOptions, shm } from '../src/index.js';
import type { ShmTransport } from '../src/transport.js';
import type * as T from './fixtures/tasks.mjs';

export const TASKS_URL = new URL('./fixtures/tasks.mjs', import.meta.url);

export const tasks = {
  add: task<typeof T.add>(TASKS_URL, 'add'),
  nestedSquares: task<typeof T.nestedSquares>(TASKS_URL, 'nestedSquares'),
  echo: task<typeof T.echo>(TASKS_URL, 'echo'),
  noop: task<typeof T.noop>(TASKS_URL, 'noop'),
  echoBytes: task<(x: Uint8Array) => Uint8Array>(TASKS_URL, 'echo'),
  echoNumber: task<(x: number) => number>(TASKS_URL, 'echo'),
  echoFloats: task<(x: Float64Array) => Float64Array>(TASKS_URL, 'echo'),
  echoTransfer: task<(x: Uint8Array) => Uint8Array>(TASKS_URL, 'echoTransfer'),
  describeBytes: task<typeof T.describeBytes>(TASKS_URL, 'describeBytes'),
  sleepAsync: task<typeof T.sleepAsync>(TASKS_URL, 'sleepAsync'),
  checksum: task<typeof T.checksum>(TASKS_URL, 'checksum'),
  makePayload: task<typeof T.makePayload>(TASKS_URL, 'makePayload'),
  exitProcess: task<typeof T.exitProcess>(TASKS_URL, 'exitProcess'),
  throwLater: task<typeof T.throwLater>(TASKS_URL, 'throwLater'),
  exhaustMemory: task<typeof T.exhaustMemory>(TASKS_URL, 'exhaustMemory'),
  exitOnceThen: task<typeof T.exitOnceThen>(TASKS_URL, 'exitOnceThen'),
  timerProbe: task<typeof T.timerProbe>(TASKS_URL, 'timerProbe'),
};

/** An shm factory that keeps the transports it creates, to inspect their threads. */
export function tracked(options: ShmOptions = {}): { factory: TransportFactory; transports: ShmTransport[] } {
  const inner = shm(options);
  const transports: ShmTransport[] = [];
  return {
    transports,
    factory: {
      name: 'shm',
      create(ctx: TransportContext) {
        const t = inner.create(ctx) as ShmTransport;
        transports.push(t);
        return t;
      },
    },
  };
}

/** The same pattern as tasks.makePayload, built here. */
export function pattern(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7 + seed) & 0xff;
  return out;
}

export function checksumOf(bytes: Uint8Array): [number, number] {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 4096) sum = (sum + bytes[i]!) % 1_000_000_007;
  return [sum, bytes.length];
}
