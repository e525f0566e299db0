import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { PoolExecutor, TransportLoadError } from '../src/index.js';

const dirs: string[] = [];
function tempDir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('configuration resolution', () => {
  it('options beat the environment, which beats the config file, which beats the defaults', () => {
    const dir = tempDir({
      'futures.config.json': JSON.stringify({ transport: 'zmq', maxWorkers: 3, retries: 2 }),
    });
    const nested = path.join(dir, 'a', 'b');
    fs.mkdirSync(nested, { recursive: true });
    const fromFile = resolveConfig({}, {}, nested);
    expect([fromFile.transport.value, fromFile.maxWorkers.value, fromFile.retries]).toEqual(['zmq', 3, 2]);
    expect(fromFile.maxWorkers.source).toBe(`config file ${path.join(dir, 'futures.config.json')}`);
    const fromEnv = resolveConfig({}, { FUTURES_TRANSPORT: 'mpi', FUTURES_MAX_WORKERS: '5' }, nested);
    expect([fromEnv.transport.value, fromEnv.maxWorkers.value]).toEqual(['mpi', 5]);
    expect(fromEnv.maxWorkers.source).toBe('environment variable FUTURES_MAX_WORKERS');
    const fromOptions = resolveConfig({ maxWorkers: 7 }, { FUTURES_MAX_WORKERS: '5' }, nested);
    expect(fromOptions.maxWorkers.value).toBe(7);
    const defaults = resolveConfig({}, {}, tempDir());
    expect(defaults.transport.value).toBe('shm');
    expect(defaults.maxWorkers.value).toBe(os.availableParallelism());
  });

  it('reads the "futures" key of package.json, and FUTURES_CONFIG names a file', () => {
    const dir = tempDir({
      'package.json': JSON.stringify({ name: 'app', futures: { maxWorkers: 9 } }),
      'alt.json': '{"maxWorkers": 4}',
    });
    expect(resolveConfig({}, {}, dir).maxWorkers.value).toBe(9);
    expect(resolveConfig({}, { FUTURES_CONFIG: 'alt.json' }, dir).maxWorkers.value).toBe(4);
    const plain = tempDir({ 'package.json': JSON.stringify({ name: 'no-futures-key' }) });
    expect(resolveConfig({}, {}, plain).configFile).toBeNull();
  });

  it('names the setting, its source and the fix when a value is invalid', () => {
    const dir = tempDir();
    expect(() => resolveConfig({}, { FUTURES_MAX_WORKERS: 'lots' }, dir)).toThrow(
      /maxWorkers \(from environment variable FUTURES_MAX_WORKERS\) must be an integer, got "lots". Fix: correct or remove it/,
    );
    expect(() => resolveConfig({}, { FUTURES_MAX_WORKERS: '0' }, dir)).toThrow(RangeError);
    expect(() => resolveConfig({}, { FUTURES_TRANSPORT: 'Not A Name' }, dir)).toThrow(/FUTURES_TRANSPORT/);
    const bad = tempDir({ 'futures.config.json': '{ not json' });
    expect(() => resolveConfig({}, {}, bad)).toThrow(/futures.config.json.*valid JSON/);
    const badValue = tempDir({ 'futures.config.json': '{"retries": "twice"}' });
    expect(() => resolveConfig({}, {}, badValue)).toThrow(
      /retries \(from config file .*futures.config.json\)/,
    );
    expect(() => new PoolExecutor({ transport: {} as never })).toThrow(/create\(\)/);
  });
});

/** Writes a transport package into `dir/node_modules` that runs workers in-process. */
function writeTransportPackage(dir: string, pkgName: string): void {
  const root = path.join(dir, 'node_modules', ...pkgName.split('/'));
  fs.mkdirSync(root, { recursive: true });
  const workerUrl = new URL('../dist/worker/index.js', import.meta.url).href;
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: pkgName, type: 'module', exports: { '.': './index.js' } }),
  );
  fs.writeFileSync(
    path.join(root, 'index.js'),
    `import { serveWorker } from ${JSON.stringify(workerUrl)};
export const futuresTransport = {
  name: 'local',
  optionSpecs: { greeting: { type: 'string', description: 'test option' } },
  factory(options) {
    return { name: 'local', create(ctx) {
      const workers = new Map();
      let handler;
      return { name: 'local',
        async start(h) { handler = h;
          for (let id = 1; id <= ctx.maxWorkers; id++) {
            workers.set(id, serveWorker({ send: (f) => setImmediate(() => handler.message(id, f)), close: () => workers.delete(id) }));
            handler.workerJoined(id);
          }
          globalThis.__localTransportOptions = options;
          return ctx.maxWorkers; },
        send(id, f) { setImmediate(() => workers.get(id)?.handle(f)); },
        setActive() {},
        async stop() { while (workers.size) await new Promise((r) => setImmediate(r)); },
      };
    } };
  },
};
`,
  );
}

describe('transport loading by name', () => {
  it('loads @futures/transport-<name> from the application by configuration alone, with its own options', async () => {
    const dir = tempDir({
      'futures.config.json': JSON.stringify({ transport: 'local', greeting: 'from-file' }),
    });
    writeTransportPackage(dir, '@futures/transport-local');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const pool = new PoolExecutor({ maxWorkers: 1 });
      expect(await pool.submit((a: number) => a + 1, 1)).toBe(2);
      expect((globalThis as { __localTransportOptions?: unknown }).__localTransportOptions).toEqual({
        greeting: 'from-file',
      });
      await pool.shutdown();
      process.env.FUTURES_LOCAL_GREETING = 'from-env';
      const pool2 = new PoolExecutor({ maxWorkers: 1 });
      await pool2.bootup();
      expect((globalThis as { __localTransportOptions?: unknown }).__localTransportOptions).toEqual({
        greeting: 'from-env',
      });
      await pool2.shutdown();
    } finally {
      delete process.env.FUTURES_LOCAL_GREETING;
      process.chdir(cwd);
    }
  });

  it('maps a name to another package through "transports", and rejects unknown transport options', async () => {
    const dir = tempDir({
      'futures.config.json': JSON.stringify({ transport: 'gpu', transports: { gpu: 'my-gpu-transport' } }),
    });
    writeTransportPackage(dir, 'my-gpu-transport');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const pool = new PoolExecutor({ maxWorkers: 1 });
      expect(await pool.submit(() => 'mapped')).toBe('mapped');
      await pool.shutdown();
      const typo = new PoolExecutor({ maxWorkers: 1, greetng: 'x' } as never);
      await expect(typo.bootup()).rejects.toThrow(
        /unknown option "greetng" \(from option "greetng"\).*greeting/,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('a missing transport package fails every pending future with an error naming the package and the fix', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const pool = new PoolExecutor({ transport: 'nosuch', maxWorkers: 1 });
      const f = pool.submit(() => 1);
      const error = (await f.catch((e: unknown) => e)) as Error;
      expect(error.name).toBe('BrokenExecutorError');
      expect(error.cause).toBeInstanceOf(TransportLoadError);
      expect((error.cause as Error).message).toMatch(
        /transport "nosuch" \(from option "transport"\) needs the package @futures\/transport-nosuch.*pnpm add/,
      );
      expect(pool.numWorkers).toBe(0);
      await expect(pool.bootup()).rejects.toThrow(/transport-nosuch/);
    } finally {
      process.chdir(cwd);
    }
  });
});
