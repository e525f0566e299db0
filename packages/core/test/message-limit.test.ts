import { constants as bufferConstants } from 'node:buffer';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { tasks } from '../src/conformance/index.js';
import { MessageTooLargeError, PoolExecutor } from '../src/index.js';
import type { TransportContext, TransportFactory } from '../src/transport/contract.js';
import { TaskBatchWriter } from '../src/transport/frame.js';
import {
  checkLastEntry,
  MAX_MESSAGE_BYTES_DEFAULT,
  messageTooLarge,
  NEXT_FRAME,
} from '../src/transport/message-limit.js';
import { CallMode } from '../src/transport/protocol.js';
import { inline } from './support/inline-transport.js';

const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

describe('maxMessageBytes', () => {
  it('defaults to 4 GiB (or the Buffer limit), and comes from FUTURES_MAX_MESSAGE_BYTES', () => {
    expect(MAX_MESSAGE_BYTES_DEFAULT).toBe(Math.min(2 ** 32, bufferConstants.MAX_LENGTH));
    expect(resolveConfig({}, {}, os.tmpdir()).maxMessageBytes).toBe(MAX_MESSAGE_BYTES_DEFAULT);
    expect(resolveConfig({}, { FUTURES_MAX_MESSAGE_BYTES: '2048' }, os.tmpdir()).maxMessageBytes).toBe(2048);
    expect(resolveConfig({ maxMessageBytes: 4096 }, {}, os.tmpdir()).maxMessageBytes).toBe(4096);
  });

  it('rejects a value below 1024 with an error naming the option and its source', () => {
    expect(() => resolveConfig({}, { FUTURES_MAX_MESSAGE_BYTES: '10' }, os.tmpdir())).toThrow(
      /maxMessageBytes \(from environment variable FUTURES_MAX_MESSAGE_BYTES\)/,
    );
    expect(() => new PoolExecutor({ maxMessageBytes: 1.5 })).toThrow(/maxMessageBytes/);
  });

  it("the transport's own ceiling applies when lower than the option", async () => {
    const base = inline();
    const capped: TransportFactory = {
      name: 'inline',
      create: (ctx: TransportContext) => Object.assign(base.create(ctx), { maxMessageBytes: 4096 }),
    };
    const pool = new PoolExecutor({ maxWorkers: 1, transport: capped });
    pools.push(pool);
    const error = await pool.submit(tasks.echo, new Uint8Array(5000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).limit).toBe(4096);
    expect(await pool.submit(tasks.echo, new Uint8Array(3000))).toHaveLength(3000);
  });
});

describe('checkLastEntry', () => {
  it('keeps an entry that fits, rolls back one over the limit, and asks for a new frame when only the sum is over', () => {
    const batch = new TaskBatchWriter();
    batch.begin([]);
    const add = (taskId: number, bytes: number): number => {
      const pos = batch.w.pos;
      const nbufs = batch.bufs.length;
      batch.add(taskId, 0, CallMode.Single, [new Uint8Array(bytes)]);
      return checkLastEntry(batch, pos, nbufs, 10_000);
    };
    expect(add(1, 6000)).toBe(0);
    const afterFirst = { pos: batch.w.pos, bufs: batch.bufs.length, count: batch.count };
    expect(add(2, 6000)).toBe(NEXT_FRAME); // fits alone, not beside the first
    expect({ pos: batch.w.pos, bufs: batch.bufs.length, count: batch.count }).toEqual(afterFirst);
    expect(add(3, 20_000)).toBeGreaterThan(20_000); // over by itself: its size
    expect({ pos: batch.w.pos, bufs: batch.bufs.length, count: batch.count }).toEqual(afterFirst);
    expect(batch.finish().bufs.map((b) => b.byteLength)).toEqual([6000]);
  });

  it('the error names the part, the task, the size, the limit and the option to raise', () => {
    const error = messageTooLarge('result', 'render', 7, 123_456, 65_536);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toMatchObject({
      name: 'MessageTooLargeError',
      code: 'ERR_FUTURES_MESSAGE_TOO_LARGE',
      part: 'result',
      fn: 'render',
      taskId: 7,
      bytes: 123_456,
      limit: 65_536,
    });
    expect(error.message).toBe(
      'futures: the result of task 7 (render) encodes to 123456 bytes, over the message limit of 65536 ' +
        'bytes. Fix: raise the executor option maxMessageBytes (or FUTURES_MAX_MESSAGE_BYTES; at most ' +
        `${MAX_MESSAGE_BYTES_DEFAULT}, or the transport's own limit, e.g. zmq's FUTURES_ZMQ_MAX_MESSAGE_BYTES), ` +
        'or pass the data through a file or shared memory.',
    );
  });
});
