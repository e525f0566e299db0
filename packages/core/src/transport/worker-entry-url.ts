/**
 * The URL of a transport's compiled worker entry (`worker-entry.js`), beside the calling
 * module in dist/. When the calling module runs from src/ (a TypeScript test runner loads the
 * sources), the entry is still the compiled one in dist/: a worker thread or process runs it
 * with plain Node, which cannot load the TypeScript sources.
 *
 *   const WORKER_ENTRY = workerEntryUrl(import.meta.url);
 */
export function workerEntryUrl(moduleUrl: string, file = 'worker-entry.js'): URL {
  return moduleUrl.endsWith('.ts') ? new URL(`../dist/${file}`, moduleUrl) : new URL(`./${file}`, moduleUrl);
}
