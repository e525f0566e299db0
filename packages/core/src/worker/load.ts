import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskLoadError } from '../errors.js';
import type { AnyFunction } from '../task.js';
import type { FnSpec } from '../transport/protocol.js';
import { whileImporting } from '../worker-context.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

/** Imports a module once per worker. */
function importOnce(specifier: string, beforeImport?: BeforeImport): Promise<Record<string, unknown>> {
  let m = modules.get(specifier);
  if (m === undefined) {
    // While the module's top level runs, a PoolExecutor may not be created (it would recurse).
    const load = () => whileImporting(specifier, () => import(specifier));
    m = (
      beforeImport === undefined ? load() : Promise.resolve(beforeImport(specifier)).then(load)
    ) as Promise<Record<string, unknown>>;
    modules.set(specifier, m);
  }
  return m;
}

/** Import errors that reach the caller as they are (each names its fix), not wrapped in a TaskLoadError. */
const PASS_THROUGH = new Set<string | undefined>(['PoolInTaskModuleError', 'TsxNotFoundError']);

/** Resolves a task's function in this worker. Rejects with TaskLoadError naming module and export. */
type BeforeImport = (specifier: string) => void | Promise<void>;

export async function loadFunction(
  spec: FnSpec,
  baseDir: string | null,
  beforeImport?: BeforeImport,
): Promise<AnyFunction> {
  if (spec.kind === 'source') {
    try {
      const fn: unknown = new Function(`"use strict"; return (${spec.source});`)();
      if (typeof fn !== 'function') throw new TypeError('the source did not evaluate to a function');
      return fn as AnyFunction;
    } catch (error) {
      throw new TaskLoadError(
        `function "${spec.name}" could not be rebuilt from its source in the worker: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  let specifier = spec.module;
  if (baseDir !== null && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    specifier = pathToFileURL(path.resolve(baseDir, specifier)).href;
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importOnce(specifier, beforeImport);
  } catch (error) {
    // the module started a pool at its top level, or is TypeScript and the application has no
    // tsx: those errors say what to do (by name: they may come from another copy of this package)
    if (PASS_THROUGH.has((error as Error | undefined)?.name)) throw error;
    throw new TaskLoadError(
      `cannot import task module ${spec.module}: ${(error as Error).message} (check the path or URL passed to task())`,
      { cause: error },
    );
  }
  const fn = exportOf(mod, spec.exportName);
  if (fn === MISSING) {
    const names = Object.keys(mod).join(', ') || 'none';
    throw new TaskLoadError(
      `module ${spec.module} has no export "${spec.exportName}" (its exports: ${names})`,
    );
  }
  if (typeof fn !== 'function') {
    throw new TaskLoadError(`export "${spec.exportName}" of ${spec.module} is ${typeof fn}, not a function`);
  }
  return fn as AnyFunction;
}

const MISSING = Symbol('missing');

/**
 * A module's export by name. A CommonJS module whose exports Node cannot find statically
 * (assigned in a loop, or compiled from TypeScript by tsx) shows only `default` (its
 * module.exports) to import(): its own properties count as exports too.
 */
function exportOf(mod: Record<string, unknown>, name: string): unknown {
  if (name in mod) return mod[name];
  const cjs = mod.default;
  if (name !== 'default' && (typeof cjs === 'object' || typeof cjs === 'function') && cjs !== null) {
    if (Object.hasOwn(cjs, name)) return (cjs as Record<string, unknown>)[name];
  }
  return MISSING;
}
