/**
 * TypeScript modules in any worker (thread or process), and in a program the futures CLI
 * runs: before a `.ts`, `.mts`, `.cts` or `.tsx` module is imported, tsx's loader hooks are
 * registered in the importing thread. tsx is an optional peer dependency: it is the
 * application's, looked up from the module to load (or the program), then from the working
 * directory, never from this package, so programs that use only JavaScript need not install
 * it and never load it. Without it, loading a TypeScript module fails with TsxNotFoundError
 * (code ERR_FUTURES_TSX_NOT_FOUND), which names the package to install.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { TsxNotFoundError } from '../errors.js';

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

/** The directory to resolve from for a module specifier, file URL, file path or directory (null: a bare specifier). */
function baseDir(from: string): string | null {
  let file: string;
  if (from.startsWith('file:')) file = fileURLToPath(from);
  else if (path.isAbsolute(from)) file = from;
  else return null;
  try {
    if (fs.statSync(file).isDirectory()) return file;
  } catch {
    // a module that is not there (yet): its directory still says where the application is
  }
  return path.dirname(file);
}

/** Where tsx is looked up from: the module's (or program's) directory, then the working directory. */
function searchDirs(from: string | undefined): string[] {
  const dirs: string[] = [];
  const dir = from === undefined ? null : baseDir(from);
  if (dir !== null) dirs.push(dir);
  if (!dirs.includes(process.cwd())) dirs.push(process.cwd());
  return dirs;
}

/** tsx's ESM and CommonJS registration APIs, found from the application's directories, or null. */
function findTsx(dirs: readonly string[]): { root: string; esm: string; cjs: string } | null {
  for (const dir of dirs) {
    try {
      const manifest = createRequire(path.join(dir, '__futures_resolve__.js')).resolve('tsx/package.json');
      const { exports } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
        exports: Record<string, ExportTarget>;
      };
      const root = path.dirname(manifest);
      return {
        root,
        esm: importTarget(root, exports, './esm/api'),
        cjs: importTarget(root, exports, './cjs/api'),
      };
    } catch {
      // not installed there: look further
    }
  }
  return null;
}

export interface RegisterTypeScriptOptions {
  /**
   * The module (file path or `file:` URL) or directory that needs TypeScript: tsx is looked
   * up from its directory first, then from the working directory. @default the working directory
   */
  from?: string;
  /** What needs TypeScript, for the error message. @default `from`, else "a TypeScript module" */
  module?: string;
}

/** tsx's registration APIs for `options.from`; throws TsxNotFoundError when the application has no tsx. */
function locateTsx(options: RegisterTypeScriptOptions): { root: string; esm: string; cjs: string } {
  const dirs = searchDirs(options.from);
  const api = findTsx(dirs);
  if (api === null) throw new TsxNotFoundError(options.module ?? options.from ?? 'a TypeScript module', dirs);
  return api;
}

/**
 * The directory of the tsx package that {@link registerTypeScript} would load for these
 * options, without loading it. Throws TsxNotFoundError when the application has no tsx.
 */
export function resolveTsx(options: RegisterTypeScriptOptions = {}): string {
  return locateTsx(options).root;
}

let registering: Promise<void> | null = null;

/**
 * Registers tsx's ESM and CommonJS hooks in this thread, once: later calls share the
 * outcome. tsx is the application's (see {@link RegisterTypeScriptOptions.from}); when it has
 * none, rejects with TsxNotFoundError (code `ERR_FUTURES_TSX_NOT_FOUND`), whose message says
 * to install it (`npm install tsx` / `pnpm add tsx`).
 */
export function registerTypeScript(options: RegisterTypeScriptOptions = {}): Promise<void> {
  registering ??= (async () => {
    const api = locateTsx(options);
    type Api = { register(): unknown };
    const [esm, cjs] = (await Promise.all([import(api.esm), import(api.cjs)])) as [Api, Api];
    esm.register();
    cjs.register();
  })();
  return registering;
}

/** Before a worker imports the TypeScript module `specifier`: registers tsx unless its hooks already serve this thread. */
export function registerTypeScriptFor(specifier: string): Promise<void> {
  if (tsxActive()) return Promise.resolve();
  return registerTypeScript({ from: specifier, module: `the task module ${specifier}` });
}
