import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempProjects, tempProject } from '../src/conformance/temp-project.js';

// tsx is an optional peer dependency: it is resolved from the application (the task module's
// directory, then the working directory), never from @futures/core itself. These tests run a
// real program in a fresh process, in a project directory outside this repository, so that
// nothing above it has tsx (this package's own devDependency must not count).

const DIST = path.resolve(import.meta.dirname, '../dist');
const CORE = pathToFileURL(path.join(DIST, 'index.js')).href;
const WORKER = pathToFileURL(path.join(DIST, 'worker/index.js')).href;
const TSX = fs.realpathSync(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')));

/** A program that runs a TypeScript task on a pool whose workers are runtimes in its own thread. */
const POOL_PROGRAM = `
import { PoolExecutor, task } from ${JSON.stringify(CORE)};
import { serveWorker } from ${JSON.stringify(WORKER)};

const copy = (f) => ({ head: f.head.slice(), bufs: f.bufs.map((b) => b.slice()) });
const transport = {
  name: 'same-thread',
  create(ctx) {
    let handler;
    const workers = new Map();
    return {
      name: 'same-thread',
      async start(h) {
        handler = h;
        for (let id = 1; id <= ctx.maxWorkers; id++) {
          const runtime = serveWorker({
            send: (f) => { const c = copy(f); setImmediate(() => workers.has(id) && handler.message(id, c)); },
            close: () => workers.delete(id),
          });
          workers.set(id, runtime);
          handler.workerJoined(id);
        }
        return ctx.maxWorkers;
      },
      send(id, f) { const c = copy(f); setImmediate(() => workers.get(id)?.handle(c)); },
      setActive() {},
      replaceWorker() {},
      async stop() { while (workers.size > 0) await new Promise((r) => setImmediate(r)); },
    };
  },
};

const pool = new PoolExecutor({ transport, maxWorkers: 1 });
const double = task(new URL('./task.ts', import.meta.url), 'double');
let out;
try {
  out = { result: await pool.submit(double, 21) };
} catch (e) {
  out = { error: { name: e.name, code: e.code, message: e.message, package: e.package } };
}
await pool.shutdown();
console.log(JSON.stringify(out));
`;

/** The same lookups through the exported API. */
const API_PROGRAM = `
import { TaskLoadError, TsxNotFoundError } from ${JSON.stringify(CORE)};
import { registerTypeScript, resolveTsx } from ${JSON.stringify(WORKER)};

const describe = (e) => ({
  name: e.name,
  code: e.code,
  message: e.message,
  package: e.package,
  searched: e.searched,
  isTsxNotFoundError: e instanceof TsxNotFoundError,
  isTaskLoadError: e instanceof TaskLoadError,
});
const from = new URL('./task.ts', import.meta.url).href;
const out = {};
try {
  out.resolved = resolveTsx({ from });
} catch (e) {
  out.resolveError = describe(e);
}
try {
  await registerTypeScript({ from, module: 'the task module task.ts' });
  out.registered = true;
} catch (e) {
  out.registerError = describe(e);
}
console.log(JSON.stringify(out));
`;

/** The environment without what pnpm's shims and vitest add (NODE_PATH reaches pnpm's whole store). */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs `program` as main.mjs of the project `dir`, there, as a user would (no NODE_PATH from pnpm's shims). */
function run(dir: string, program: string): Record<string, unknown> {
  fs.writeFileSync(path.join(dir, 'main.mjs'), program);
  const r = spawnSync(process.execPath, ['main.mjs'], {
    cwd: dir,
    env: userEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const APP = {
  'package.json': '{ "name": "app", "private": true, "type": "module" }\n',
  'task.ts': 'export const double = (n: number): number => n * 2;\n',
};
let withoutTsx: string;
let withTsx: string;
beforeAll(() => {
  withoutTsx = tempProject('futures-ts-app-', APP);
  // the application's own tsx: a link to the one this workspace installed
  withTsx = tempProject('futures-ts-app-', APP, { tsx: TSX });
});
afterAll(removeTempProjects);

describe('TypeScript task modules and tsx (an optional peer dependency)', () => {
  it('precondition: tsx does not resolve in the project without it (nothing above it in the file system has it)', () => {
    const r = spawnSync(process.execPath, ['-p', "require.resolve('tsx/package.json')"], {
      cwd: withoutTsx,
      env: userEnv(),
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('MODULE_NOT_FOUND');
  });

  it('without tsx in the application, the task fails with TsxNotFoundError naming the package to install', () => {
    const { error } = run(withoutTsx, POOL_PROGRAM) as { error: Record<string, string> };
    expect(error.name).toBe('TsxNotFoundError');
    expect(error.code).toBe('ERR_FUTURES_TSX_NOT_FOUND');
    expect(error.package).toBe('tsx');
    expect(error.message).toContain('task.ts is TypeScript');
    expect(error.message).toContain('npm install tsx');
    expect(error.message).toContain('pnpm add tsx');
    expect(error.message).toContain(withoutTsx);
  });

  it('registerTypeScript and resolveTsx throw it too (a TaskLoadError subclass with a code)', () => {
    const out = run(withoutTsx, API_PROGRAM) as Record<string, Record<string, unknown>>;
    for (const error of [out.resolveError!, out.registerError!]) {
      expect(error).toMatchObject({
        name: 'TsxNotFoundError',
        code: 'ERR_FUTURES_TSX_NOT_FOUND',
        package: 'tsx',
        isTsxNotFoundError: true,
        isTaskLoadError: true,
        searched: [withoutTsx],
      });
      expect(error.message).toMatch(/npm install tsx.*pnpm add tsx/);
    }
  });

  it("with tsx in the application, the application's tsx loads the task module", () => {
    expect(run(withTsx, POOL_PROGRAM)).toEqual({ result: 42 });
    const out = run(withTsx, API_PROGRAM);
    expect(out.resolved).toBe(TSX); // through the application's node_modules/tsx link
    expect(out.registered).toBe(true);
  });
});
