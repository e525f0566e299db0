import { describe, expect, it, vi } from 'vitest';
import { CancelledError, Future, TimeoutError } from '../src/index.js';

describe('Future', () => {
  it('moves PENDING -> RUNNING -> FINISHED once and ignores later settlements', async () => {
    const f = new Future<number>();
    expect([f.state, f.running(), f.done(), f.cancelled()]).toEqual(['PENDING', false, false, false]);
    expect(f.setRunningOrNotifyCancel()).toBe(true);
    expect(f.running()).toBe(true);
    expect(f.cancel()).toBe(false);
    f.setResult(7);
    f.setResult(8);
    f.setException(new Error('late'));
    expect(f.state).toBe('FINISHED');
    expect(await f).toBe(7);
    expect(await f.exception()).toBeUndefined();
  });

  it('cancel() works only while PENDING and is idempotent', async () => {
    const f = new Future<number>();
    expect(f.cancel()).toBe(true);
    expect(f.cancel()).toBe(true);
    expect(f.setRunningOrNotifyCancel()).toBe(false);
    await expect(f.result()).rejects.toBeInstanceOf(CancelledError);
    await expect(f.exception()).rejects.toBeInstanceOf(CancelledError);
    const done = new Future<number>();
    done.setResult(1);
    expect(done.cancel()).toBe(false);
  });

  it('result(timeout) rejects with TimeoutError without settling the future', async () => {
    const f = new Future<string>();
    await expect(f.result(5)).rejects.toBeInstanceOf(TimeoutError);
    expect(f.done()).toBe(false);
    f.setResult('ok');
    expect(await f.result(1000)).toBe('ok');
    expect(() => f.result(-1)).toThrow(RangeError);
  });

  it('then/catch/finally make it awaitable; an unobserved failure raises no unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const quiet = new Future<number>();
    quiet.setException(new Error('nobody looks'));
    const f = new Future<number>();
    f.setException(new RangeError('x'));
    await expect(f.catch((e: unknown) => (e as Error).name)).resolves.toBe('RangeError');
    const order: string[] = [];
    const ok = new Future<number>();
    ok.setResult(3);
    await ok.finally(() => order.push('finally')).then((v) => order.push(`then:${v}`));
    expect(order).toEqual(['finally', 'then:3']);
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('runs done callbacks in order; a throwing one is reported and the rest still run', async () => {
    const f = new Future<number>();
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    f.addDoneCallback(() => seen.push('a'));
    f.addDoneCallback(() => {
      throw new Error('callback bug');
    });
    f.addDoneCallback((x) => seen.push(`c:${x.state}`));
    f.setResult(1);
    f.addDoneCallback(() => seen.push('late'));
    expect(seen).toEqual(['a', 'c:FINISHED', 'late']);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings.some((m) => m.includes('callback bug'))).toBe(true);
    expect(() => f.addDoneCallback(42 as unknown as () => void)).toThrow(TypeError);
  });
});
