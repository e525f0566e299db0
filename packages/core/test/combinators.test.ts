import { describe, expect, it } from 'vitest';
import { CancelledError, collect, compose, FIRST_EXCEPTION, Future, wait } from '../src/index.js';

const resolved = <T>(v: T) => {
  const f = new Future<T>();
  f.setResult(v);
  return f;
};

describe('collect', () => {
  it('gathers results in order', async () => {
    const a = new Future<number>();
    const b = new Future<number>();
    const all = collect([a, b]);
    b.setResult(2);
    a.setResult(1);
    expect(await all).toEqual([1, 2]);
    expect(await collect([])).toEqual([]);
  });

  it('fails at the first failure and cancels the rest; cancelling it cancels all', async () => {
    const a = new Future<number>();
    const b = new Future<number>();
    const all = collect([a, b]);
    a.setException(new RangeError('first'));
    await expect(all).rejects.toThrow('first');
    expect(b.cancelled()).toBe(true);
    const c = new Future<number>();
    const d = new Future<number>();
    const both = collect([c, d]);
    expect(both.cancel()).toBe(true);
    expect(c.cancelled() && d.cancelled()).toBe(true);
  });

  it('is cancelled (not failed) when one of its futures is cancelled, as mpi4py.futures.collect', async () => {
    const a = new Future<number>();
    const b = new Future<number>();
    const all = collect([a, b]);
    expect(a.cancel()).toBe(true);
    expect(all.cancelled()).toBe(true);
    expect(b.cancelled()).toBe(true);
    await expect(all).rejects.toBeInstanceOf(CancelledError);
    // wait(FIRST_EXCEPTION) does not count a cancelled future as an exception: it waits on
    const other = new Future<number>();
    let returned = false;
    const waiting = wait([all, other], { returnWhen: FIRST_EXCEPTION }).then((r) => {
      returned = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(returned).toBe(false);
    other.setResult(1);
    expect((await waiting).done.size).toBe(2);
  });
});

describe('compose', () => {
  it('maps results and errors through the hooks', async () => {
    expect(await compose(resolved(2), { onResult: (v) => v * 10 })).toBe(20);
    expect(await compose(resolved(2), { onResult: async (v) => `${v}!` })).toBe('2!');
    const failed = new Future<number>();
    failed.setException(new Error('bad'));
    expect(await compose(failed, { onError: (e) => `handled ${(e as Error).message}` })).toBe('handled bad');
    const failed2 = new Future<number>();
    failed2.setException(new Error('bad'));
    await expect(compose(failed2, { onError: () => new TypeError('replaced') })).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(
      compose(resolved(1), {
        onResult: () => {
          throw new Error('hook threw');
        },
      }),
    ).rejects.toThrow('hook threw');
  });

  it('propagates cancellation both ways', async () => {
    const src = new Future<number>();
    const out = compose(src);
    expect(out.cancel()).toBe(true);
    expect(src.cancelled()).toBe(true);
    const src2 = new Future<number>();
    const out2 = compose(src2);
    src2.cancel();
    await expect(out2).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('wait', () => {
  it('returns at once for done futures and rejects a bad returnWhen', async () => {
    const r = await wait([resolved(1), resolved(2)]);
    expect(r.done.size).toBe(2);
    await expect(wait([resolved(1)], { returnWhen: 'SOMETIMES' as never })).rejects.toThrow(/returnWhen/);
    const never = new Future<number>();
    const t = await wait([never], { timeout: 0 });
    expect(t.notDone.has(never)).toBe(true);
  });
});
