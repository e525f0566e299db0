/**
 * TypeScript task modules in any worker (thread or process) whose transport does not load
 * them itself: before a worker imports a `.ts`, `.mts`, `.cts` or `.tsx` module, it
 * registers tsx's loader hooks in its thread. tsx is the application's dependency (it is
 * looked up from the task module, then the working directory, then this package), so
 * programs that use only JavaScript never load it.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { TaskLoadError } from '../errors.js';

const TS_EXTENSION = /\.(?:ts|mts|cts|tsx)$/i;

/** True for a module specifier or URL naming a TypeScript file. */
export function isTypeScriptModule(specifier: string): boolean {
  const end = specifier.search(/[?#]/);
  return TS_EXTENSION.test(end < 0 ? specifier : specifier.slice(0, end));
}

/**
 * Whether tsx's hooks already serve this thread: a process started with `--import tsx` (or
 * the futures CLI's register-ts preload). A worker thread inherits those flags in its
 * execArgv, but the hooks they installed serve the main thread only.
 */
function tsxActive(): boolean {
  if (!isMainThread) return false;
  return /\btsx\b|register-ts\.js/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
}

type ExportTarget = string | { import?: ExportTarget; default?: ExportTarget };

/** The file an `import` of `tsx/<subpath>` loads, from tsx's package.json exports. */
function importTarget(dir: string, exports: Record<string, ExportTarget>, subpath: string): string {
  let target: ExportTarget | undefined = exports[subpath];
  while (typeof target === 'object') target = target.import ?? target.default;
  if (target === undefined) throw new Error(`tsx exports no ${subpath}`);
  return pathToFileURL(path.join(dir, target)).href;
}

/** tsx's ESM and CommonJS registration APIs, found from the task module, the working directory, or this package. */
function findTsx(specifier: string): { esm: string; cjs: string } | null {
  const bases = [pathToFileURL(path.join(process.cwd(), 'package.json')).href, import.meta.url];
  if (specifier.startsWith('file:')) bases.unshift(specifier);
  for (const base of bases) {
    try {
      const manifest = createRequire(base).resolve('tsx/package.json');
      const { exports } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
        exports: Record<string, ExportTarget>;
      };
      const dir = path.dirname(manifest);
      return { esm: importTarget(dir, exports, './esm/api'), cjs: importTarget(dir, exports, './cjs/api') };
    } catch {
      // not installed there: look further
    }
  }
  return null;
}

let registering: Promise<void> | null = null;

/** Registers tsx in this thread once (before importing `specifier`); later calls share the outcome. */
export function registerTypeScriptFor(specifier: string): Promise<void> {
  registering ??= (async () => {
    if (tsxActive()) return;
    const api = findTsx(specifier);
    if (api === null) {
      throw new TaskLoadError(
        `task module ${specifier} is TypeScript, and this worker found no tsx to load it with. ` +
          'Fix: add tsx to the application (npm install tsx), or compile the task module to JavaScript.',
      );
    }
    type Api = { register(): unknown };
    const [esm, cjs] = (await Promise.all([import(api.esm), import(api.cjs)])) as [Api, Api];
    esm.register();
    cjs.register();
  })();
  return registering;
}
