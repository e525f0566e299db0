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

let registering: Promise<void> | null = null;

/**
 * Registers tsx in this thread once; later calls return the same promise. Always, even
 * when the program itself runs under tsx (`node --import tsx app.ts`): a worker thread
 * inherits that flag in its execArgv, but the loader hooks it installed serve the main
 * thread only.
 */
export function registerTypeScript(): Promise<void> {
  registering ??= (async () => {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    esm.register();
    cjs.register();
  })();
  return registering;
}
