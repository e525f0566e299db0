/**
 * TypeScript task modules in workers. Node 20 cannot import `.ts` files by itself, so a
 * worker registers the tsx loader (ESM and CommonJS hooks) before it imports one. Loading
 * tsx costs a few hundred milliseconds per worker on a small machine (it starts a hooks
 * thread and esbuild), so by default ("auto") it happens only when a worker first imports
 * a TypeScript module; pools that run only JavaScript never pay for it.
 */

const TS_EXTENSION = /\.(?:ts|mts|cts|tsx)$/i;

/** True for a module specifier or URL naming a TypeScript file. */
export function isTypeScriptModule(specifier: string): boolean {
  const end = specifier.search(/[?#]/);
  return TS_EXTENSION.test(end < 0 ? specifier : specifier.slice(0, end));
}

/** True when the thread already runs under tsx (e.g. `node --import tsx`, inherited by workers). */
function tsxAlreadyActive(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /\btsx\b/.test(flags);
}

let registering: Promise<void> | null = null;

/** Registers tsx in this thread once; later calls return the same promise. */
export function registerTypeScript(): Promise<void> {
  registering ??= (async () => {
    if (tsxAlreadyActive()) return;
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  })();
  return registering;
}
