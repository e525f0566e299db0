import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PoolExecutor, TaskLoadError, task } from '@futures/core';
import { afterEach, describe, expect, it } from 'vitest';
import { shm } from '../src/index.js';
import type * as TS from './fixtures/ts-task.js';

const greet = task<typeof TS.greet>(new URL('./fixtures/ts-task.ts', import.meta.url), 'greet');
const pools: PoolExecutor[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
});

describe('TypeScript task modules', () => {
  it('load with no loader flag: tsx is registered in the worker on first use', async () => {
    const pool = new PoolExecutor({ transport: shm(), maxWorkers: 2 });
    pools.push(pool);
    const results = await Promise.all(['ada', 'bob', 'cy', 'di'].map((n) => pool.submit(greet, n)));
    expect(results[0]).toEqual({ text: 'HELLO ADA!', length: 10 });
    expect(results.map((r) => r.text)).toEqual(['HELLO ADA!', 'HELLO BOB!', 'HELLO CY!', 'HELLO DI!']);
  });

  it('a .ts module in a CommonJS package: its named exports load, though Node shows only its default export', async () => {
    const pool = new PoolExecutor({ transport: shm(), maxWorkers: 1 });
    pools.push(pool);
    const CJS_URL = new URL('./fixtures/commonjs/task.ts', import.meta.url);
    const triple = task<(n: number) => { value: number; by: number }>(CJS_URL, 'triple');
    const label = task<(s: string) => string>(CJS_URL, 'label');
    expect(await pool.submit(triple, 14)).toEqual({ value: 42, by: 3 });
    expect(await pool.submit(label, 'x')).toBe('<x>');
    // inherited properties of module.exports are no exports
    const error = await pool.submit(task<() => void>(CJS_URL, 'hasOwnProperty')).catch((e: unknown) => e);
    expect((error as Error).name).toBe(TaskLoadError.name);
  });

  it('with typescript: "always" the loader is there from the start', async () => {
    const pool = new PoolExecutor({ transport: shm({ typescript: 'always' }), maxWorkers: 1 });
    pools.push(pool);
    expect((await pool.submit(greet, 'x', 0)).text).toBe('hello x');
  });

  it('with typescript: "off" a .ts module fails to load with a clear error', async () => {
    const pool = new PoolExecutor({ transport: shm({ typescript: 'off' }), maxWorkers: 1 });
    pools.push(pool);
    const error = await pool.submit(greet, 'x').catch((e: unknown) => e);
    expect((error as Error).name).toBe(TaskLoadError.name);
    expect((error as Error).message).toMatch(/ts-task\.ts/);
  });

  it('without tsx in the application: TsxNotFoundError (code ERR_FUTURES_TSX_NOT_FOUND) naming the package to install', () => {
    // a user's project outside this repository, whose task module is TypeScript and that has
    // no tsx (an optional peer dependency: the workspace's own tsx must not be used)
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'futures-shm-no-tsx-')));
    try {
      fs.writeFileSync(
        path.join(dir, 'package.json'),
        '{ "name": "app", "private": true, "type": "module" }\n',
      );
      fs.writeFileSync(path.join(dir, 'task.ts'), 'export const double = (n: number): number => n * 2;\n');
      const shmUrl = pathToFileURL(path.resolve(import.meta.dirname, '../dist/index.js')).href;
      const coreUrl = import.meta.resolve('@futures/core');
      fs.writeFileSync(
        path.join(dir, 'main.mjs'),
        [
          `import { PoolExecutor, task } from ${JSON.stringify(coreUrl)};`,
          `import { shm } from ${JSON.stringify(shmUrl)};`,
          'const pool = new PoolExecutor({ transport: shm(), maxWorkers: 1 });',
          "const double = task(new URL('./task.ts', import.meta.url), 'double');",
          'const e = await pool.submit(double, 21).then(() => null, (error) => error);',
          'await pool.shutdown();',
          'console.log(JSON.stringify(e && { name: e.name, code: e.code, message: e.message, package: e.package }));',
        ].join('\n'),
      );
      const env = { ...process.env };
      delete env.NODE_PATH; // pnpm's shims point it at the whole store
      delete env.NODE_OPTIONS;
      const r = spawnSync(process.execPath, ['main.mjs'], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.stderr).toBe('');
      const error = JSON.parse(r.stdout) as Record<string, string>;
      expect(error).toMatchObject({
        name: 'TsxNotFoundError',
        code: 'ERR_FUTURES_TSX_NOT_FOUND',
        package: 'tsx',
      });
      expect(error.message).toContain('task.ts is TypeScript');
      expect(error.message).toMatch(/npm install tsx.*pnpm add tsx/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
