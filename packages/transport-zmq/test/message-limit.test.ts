import { MessageTooLargeError, PoolExecutor, task } from '@futures/core';
import { TASKS_URL, tasks } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { zmq } from '../src/index.js';

// zmq's own maxMessageBytes (what its sockets accept) is the transport's ceiling: the
// executor checks each task against it before sending, both ways, so a task over it fails
// alone with MessageTooLargeError instead of being dropped by the receiver.
// (makePayload ignores a second argument: it carries a big argument here)
const bytes = task<(size: number, ignored?: Uint8Array) => Uint8Array>(TASKS_URL, 'makePayload');
const { pid } = tasks;

const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown({ cancelFutures: true })));
});

describe("zmq's maxMessageBytes is the executor's limit too", () => {
  it('arguments and results over it fail alone with MessageTooLargeError; the worker stays', async () => {
    const receiveLimit = 64 * 1024;
    const p = new PoolExecutor({
      maxWorkers: 1,
      transport: zmq({ heartbeatInterval: 200, heartbeatTimeout: 1000, maxMessageBytes: receiveLimit }),
    });
    pools.push(p);
    const worker = await p.submit(pid);
    const args = await p.submit(bytes, 16, new Uint8Array(receiveLimit)).catch((e: unknown) => e);
    expect(args).toBeInstanceOf(MessageTooLargeError);
    expect((args as MessageTooLargeError).part).toBe('arguments');
    expect((args as MessageTooLargeError).limit).toBeLessThan(receiveLimit); // room for the envelope
    const result = await p.submit(bytes, receiveLimit).catch((e: unknown) => e);
    expect(result).toBeInstanceOf(MessageTooLargeError);
    expect((result as MessageTooLargeError).part).toBe('result');
    expect((await p.submit(bytes, 32 * 1024)).byteLength).toBe(32 * 1024);
    expect(await p.submit(pid)).toBe(worker); // the same process: no worker was lost
    expect(p.stats().retried).toBe(0);
  });
});
