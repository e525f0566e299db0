import { expect, it } from 'vitest';
import { MessageTooLargeError } from '../../errors.js';
import type { PoolExecutor } from '../../executor/pool-executor.js';
import { type SuiteContext, tasks } from '../context.js';

const LIMIT = 64 * 1024;

/** The one worker's id and pid: a task over the limit must not cost the worker. */
function workerIdentity(pool: PoolExecutor): string {
  const workers = pool.stats().workers;
  expect(workers).toHaveLength(1);
  return `${workers[0]!.workerId}/${workers[0]!.pid}`;
}

async function tooLarge(future: PromiseLike<unknown>): Promise<MessageTooLargeError> {
  const error = await Promise.resolve(future).then(
    () => expect.fail('the task should have failed with MessageTooLargeError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessageTooLargeError);
  return error as MessageTooLargeError;
}

/** maxMessageBytes: a task over the limit fails alone, with an error naming it; the worker runs on. */
export function limitsSuite(ctx: SuiteContext): void {
  it('fails only the task whose arguments are over maxMessageBytes, naming the task, size, limit and fix', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxMessageBytes: LIMIT });
    await pool.bootup();
    const before = pool.submit(tasks.echo, 'before');
    const big = pool.submit(tasks.echo, new Uint8Array(LIMIT + 1));
    const after = pool.submit(tasks.echo, 'after');
    const error = await tooLarge(big);
    expect(error.code).toBe('ERR_FUTURES_MESSAGE_TOO_LARGE');
    expect(error.name).toBe('MessageTooLargeError');
    expect(error.part).toBe('arguments');
    expect(error.fn).toMatch(/^echo from /);
    expect(error.limit).toBe(LIMIT);
    expect(error.bytes).toBeGreaterThan(LIMIT);
    expect(error.message).toContain(`arguments of task ${error.taskId} (echo from `);
    expect(error.message).toContain(
      `encode to ${error.bytes} bytes, over the message limit of ${LIMIT} bytes`,
    );
    expect(error.message).toMatch(/Fix: raise the executor option maxMessageBytes/);
    expect(await before).toBe('before');
    expect(await after).toBe('after');
    const seven = [1, 2, 3, 4, 5, 6, 7];
    expect(await Promise.all(seven.map((i) => pool.submit(tasks.square, i)))).toEqual(
      seven.map((i) => i * i),
    );
    expect(pool.stats().failed).toBe(1);
  });

  it('fails only the task whose result is over maxMessageBytes; the same worker runs the next tasks', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxMessageBytes: LIMIT });
    await pool.bootup();
    const ok = await pool.submit(tasks.makePayload, 1024);
    expect(ok.byteLength).toBe(1024);
    const worker = workerIdentity(pool);
    const big = pool.submit(tasks.makePayload, LIMIT + 1);
    const next = pool.submit(tasks.add, 20, 22);
    const error = await tooLarge(big);
    expect(error.part).toBe('result');
    expect(error.fn).toBe('makePayload');
    expect(error.limit).toBe(LIMIT);
    expect(error.bytes).toBeGreaterThan(LIMIT);
    expect(error.message).toContain(
      `result of task ${error.taskId} (makePayload) encodes to ${error.bytes} bytes, over the message limit of ${LIMIT} bytes`,
    );
    expect(error.message).toContain('maxMessageBytes');
    expect(await next).toBe(42);
    const more = await Promise.all([1, 2, 3].map(() => pool.submit(tasks.makePayload, 2048)));
    expect(more.map((r) => r.byteLength)).toEqual([2048, 2048, 2048]);
    expect(workerIdentity(pool)).toBe(worker);
    expect(pool.stats().retried).toBe(0);
  });

  it('tasks under the limit whose sum is over it all run (their frames are split, both ways)', async () => {
    const pool = ctx.make({ maxWorkers: 1, maxMessageBytes: LIMIT });
    await pool.bootup();
    const size = 40 * 1024; // two of them do not fit in one message
    const args = Array.from({ length: 6 }, (_, i) => new Uint8Array(size).fill(i + 1));
    const echoed = (await Promise.all(args.map((a) => pool.submit(tasks.echo, a)))) as Uint8Array[];
    expect(echoed.map((r) => [r.byteLength, r[0]])).toEqual(args.map((a) => [size, a[0]]));
    const made = await Promise.all(args.map(() => pool.submit(tasks.makePayload, size)));
    expect(made.every((r) => r.byteLength === size)).toBe(true);
    expect(pool.stats().failed).toBe(0);
  });
}
