import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { RemoteError, SerializationError, TaskLoadError } from '../../errors.js';
import { task } from '../../task.js';
import { type SuiteContext, tasks } from '../context.js';
import { Money, QuotaError, UnregisteredError } from '../tasks.js';

export function resultsSuite(ctx: SuiteContext): void {
  it('returns results of sync, async, by-reference and source tasks', async () => {
    const pool = ctx.make();
    expect(await pool.submit(tasks.add, 2, 3)).toBe(5);
    expect(await pool.submit(tasks.addAsync, 4, 5)).toBe(9);
    expect(await pool.submit((a: number, b: number) => a * b, 6, 7)).toBe(42);
    expect(await pool.submit(async (s: string) => s.toUpperCase(), 'abc')).toBe('ABC');
  });

  it('round-trips every kind of value', async () => {
    const pool = ctx.make();
    const values: unknown[] = [
      0,
      -1,
      2 ** 31,
      -0,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      'ünïcødé ✓',
      '',
      true,
      false,
      null,
      undefined,
      [1, 'two', [3, { four: 4 }]],
      { nested: { deep: [null, undefined] } },
      new Map([[1, 'a']]),
      new Set(['x']),
      new Date(86_400_000),
      12345678901234567890n,
      /re+gex/gi,
      new Float64Array([1.25, -2.5]),
      new Uint8Array(5000).fill(9),
      new Int32Array(2000).fill(-7),
      new ArrayBuffer(3000),
      Buffer.from('buffer!'),
      { typed: new Float32Array(4096).fill(0.5), list: [new Uint16Array([1, 2, 3])] },
    ];
    const back = await Promise.all(values.map((v) => pool.submit(tasks.echo, v)));
    for (let i = 0; i < values.length; i++) expect(back[i]).toEqual(values[i]);
    expect(Object.is(back[3], -0)).toBe(true);
  });

  it("keeps the error's class (registered), name, message, code, properties, cause chain and remote stack", async () => {
    const pool = ctx.make();
    const error = await pool.submit(tasks.failWithQuota, 7).catch((e: unknown) => e);
    // Registered on both sides: the same class. (A transport whose workers share this
    // thread also shares the registry: the worker's copy of the module registered last.)
    if (ctx.config.capabilities?.isolated ?? true) expect(error).toBeInstanceOf(QuotaError);
    else expect((error as Error).constructor.name).toBe('QuotaError');
    const e = error as QuotaError & { remote: RemoteError };
    expect(e.name).toBe('QuotaError');
    expect(e.message).toBe('quota of 7 exceeded');
    expect(e.code).toBe('E_QUOTA');
    expect(e.limit).toBe(7);
    expect(e.stack).toContain('failWithQuota');
    // the task's own cause stays the cause; where it ran is in `remote`
    expect(e.cause).toBeInstanceOf(TypeError);
    expect((e.cause as Error).message).toBe('inner cause');
    expect(e.remote).toBeInstanceOf(RemoteError);
    expect(e.remote.code).toBe('ERR_REMOTE_TASK');
    expect(e.remote.workerId).toBeGreaterThan(0);
    expect(e.remote.host).toBe(os.hostname());
    expect(e.remote.stack).toContain('failWithQuota');
    expect(e.remote.message).toMatch(/^QuotaError in worker \d+ on /);

    // an unregistered class: its name, message and stack arrive, on a plain Error
    const other = (await pool.submit(tasks.failUnregistered).catch((x: unknown) => x)) as Error;
    expect(other).not.toBeInstanceOf(UnregisteredError);
    expect(Object.getPrototypeOf(other)).toBe(Error.prototype);
    expect(other).toBeInstanceOf(Error);
    expect(other.name).toBe('UnregisteredError');
    expect(other.message).toBe('not registered');

    const rangeError = await pool.submit(tasks.failAsync, 'async boom').catch((x: unknown) => x);
    expect(rangeError).toBeInstanceOf(RangeError);
    expect((rangeError as Error).message).toBe('async boom');
    await expect(pool.submit(tasks.throwString)).rejects.toBe('a plain string');
  });

  it('instances of a registered class travel with their class, both ways', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const [arrivedAsMoney, doubled] = await pool.submit(tasks.doubleMoney, new Money(150, 'EUR'));
    expect(doubled.cents).toBe(300);
    expect(doubled.currency).toBe('EUR');
    // (workers that share this thread share the registry with two copies of the module)
    if (ctx.config.capabilities?.isolated ?? true) {
      expect(arrivedAsMoney).toBe(true); // a Money in the worker
      expect(doubled).toBeInstanceOf(Money); // and here
      expect(doubled.plus(doubled).cents).toBe(600); // its methods work here
    }
  });

  it('fails only the future whose argument cannot be serialized', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const before = pool.submit(tasks.add, 1, 1);
    const bad = pool.submit(tasks.echo, { callback: () => 1 });
    const after = pool.submit(tasks.add, 2, 2);
    await expect(bad).rejects.toBeInstanceOf(SerializationError);
    expect(await before).toBe(2);
    expect(await after).toBe(4);
  });

  it('a lone task whose argument cannot be serialized does not poison its function on the worker', async () => {
    // The bad task is the only one of its batch, and the first of its function on the
    // worker: the function's definition must still reach the worker with the next task.
    const pool = ctx.make({ maxWorkers: 1 });
    await pool.bootup();
    await expect(pool.submit(tasks.echo, { callback: () => 1 })).rejects.toBeInstanceOf(SerializationError);
    const later = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(await Promise.all(later.map((i) => pool.submit(tasks.echo, i)))).toEqual(later);
  });

  it('runs a TypeScript task module (the worker loads tsx for it)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-ts-task-'));
    try {
      const file = path.join(dir, 'square.mts');
      fs.writeFileSync(
        file,
        'export function square(x: number): number {\n  const y: number = x * x;\n  return y;\n}\n',
      );
      const pool = ctx.make({ maxWorkers: 1 });
      expect(await pool.submit(task<(x: number) => number>(pathToFileURL(file), 'square'), 7)).toBe(49);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails only the future whose result cannot be serialized', async () => {
    const pool = ctx.make({ maxWorkers: 1 });
    const bad = pool.submit(tasks.unserializableResult);
    const good = pool.submit(tasks.add, 3, 3);
    const error = await bad.catch((e: unknown) => e);
    expect((error as Error).name).toBe('SerializationError');
    expect((error as { code: string }).code).toBe('ERR_FUTURES_SERIALIZATION');
    expect(await good).toBe(6);
  });

  it('fails a missing module or export with TaskLoadError naming it, and keeps working', async () => {
    const pool = ctx.make();
    const noExport = await pool.submit(tasks.missingExport).catch((e: unknown) => e);
    expect((noExport as Error).name).toBe(TaskLoadError.name);
    expect((noExport as Error).message).toContain('noSuchExport');
    const noModule = await pool.submit(tasks.missingModule).catch((e: unknown) => e);
    expect((noModule as Error).name).toBe('TaskLoadError');
    expect((noModule as Error).message).toContain('no-such-module.js');
    expect(await pool.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('rejects a function that captures outer variables, saying so', async () => {
    const pool = ctx.make();
    const factor = 3;
    const error = await pool.submit((x: number) => x * factor, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('captures "factor"');
    expect(await pool.submit((x: number) => x * Math.max(1, 2), 2)).toBe(4);
  });

  it('moves a 32 MiB payload both ways intact', async () => {
    const pool = ctx.make();
    const size = 32 * 1024 * 1024;
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) payload[i] = (i / 4096) & 0xff;
    const [sum, length] = await pool.submit(tasks.checksum, payload);
    let expected = 0;
    for (let i = 0; i < size; i += 4096) expected = (expected + payload[i]!) % 1_000_000_007;
    expect([sum, length]).toEqual([expected, size]);
    const echoed = (await pool.submit(tasks.echo, payload)) as Uint8Array;
    expect(echoed.byteLength).toBe(size);
    expect(
      Buffer.compare(Buffer.from(echoed.buffer, echoed.byteOffset, echoed.byteLength), Buffer.from(payload)),
    ).toBe(0);
    const made = await pool.submit(tasks.makePayload, size);
    expect(made.byteLength).toBe(size);
    expect(made[size - 1]).toBe(((size - 1) * 31 + 7) & 0xff);
  });

  it('applies env (and cwd where workers can have their own) in every worker', async () => {
    const dir = os.tmpdir();
    const chdir = ctx.config.capabilities?.chdir ?? true;
    const pool = ctx.make({
      env: { FUTURES_CONFORMANCE_VAR: 'set-for-workers' },
      ...(chdir ? { cwd: dir } : {}),
    });
    const envs = await Promise.all(
      [1, 2, 3, 4].map(() => pool.submit(tasks.readEnv, 'FUTURES_CONFORMANCE_VAR')),
    );
    expect(envs).toEqual(['set-for-workers', 'set-for-workers', 'set-for-workers', 'set-for-workers']);
    if (chdir) expect(await pool.submit(tasks.readCwd)).toBe(dir);
  });
}
