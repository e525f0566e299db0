import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';
import type { FnSpec } from './transport/protocol.js';

/** Any function a worker can run. */
// biome-ignore lint/suspicious/noExplicitAny: the widest function type; callers get precise types through inference.
export type AnyFunction = (...args: any[]) => unknown;

const TASK_REF = Symbol.for('@futures/core/TaskRef');

/**
 * A task by reference: the module a worker imports and the export it calls, like pickle
 * by name. `F` carries the function's type so `submit(ref, ...args)` is fully typed.
 */
export interface TaskRef<F extends AnyFunction = AnyFunction> {
  readonly [TASK_REF]: true;
  readonly module: string;
  readonly exportName: string;
  /** Phantom: never set; carries F for inference. */
  readonly __fn?: F;
}

const WITH_OPTIONS = Symbol.for('@futures/core/WithOptions');

/** Per-submission options (`withOptions(fn, options)`). */
export interface TaskOptions {
  /** Aborting it cancels the task while queued, or aborts it while running (AbortError). */
  signal?: AbortSignal;
  /** Deadline in ms, counted from when the task starts running; then it is aborted with TimeoutError. @default none */
  timeout?: number;
  /** Resubmissions after its worker is lost (overrides the executor's `retries`). */
  retries?: number;
}

/** A task with per-submission options, as `submit`/`map` accept it. */
export interface WithOptions<F extends AnyFunction = AnyFunction> {
  readonly [WITH_OPTIONS]: true;
  readonly task: F | TaskRef<F>;
  readonly options: Readonly<TaskOptions>;
}

/** What `submit`, `map` and `initializer` accept as a task. */
export type TaskLike<F extends AnyFunction = AnyFunction> = F | TaskRef<F> | WithOptions<F>;

/** The function type inside a TaskLike. */
export type TaskFn<T> =
  T extends WithOptions<infer F> ? F : T extends TaskRef<infer F> ? F : T extends AnyFunction ? T : never;

/**
 * Attaches per-submission options to a task: `pool.submit(withOptions(fibTask, { timeout: 500, signal }), 30)`.
 * Throws a TypeError/RangeError naming a bad option.
 */
export function withOptions<F extends AnyFunction>(fn: F | TaskRef<F>, options: TaskOptions): WithOptions<F> {
  checkTaskOptions(options, 'withOptions()');
  return Object.freeze({ [WITH_OPTIONS]: true as const, task: fn, options: Object.freeze({ ...options }) });
}

export function isWithOptions(value: unknown): value is WithOptions {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WITH_OPTIONS] === true
  );
}

/** Validates per-task options (also used by map for its per-task options). */
export function checkTaskOptions(options: TaskOptions, where: string): void {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: options must be an object`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: signal must be an AbortSignal`);
  }
  if (options.timeout !== undefined && (typeof options.timeout !== 'number' || !(options.timeout > 0))) {
    throw new RangeError(
      `${where}: timeout must be a number of milliseconds > 0, got ${String(options.timeout)}`,
    );
  }
  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0)) {
    throw new RangeError(`${where}: retries must be an integer >= 0, got ${String(options.retries)}`);
  }
}
/** The awaited result type of a task. */
export type TaskResult<T> = Awaited<ReturnType<TaskFn<T>>>;
/** The argument tuple of a task. */
export type TaskArgs<T> = Parameters<TaskFn<T>>;

/**
 * Names a task by module and export. `module` is a file URL (`import.meta.url` for the
 * calling module itself), an absolute or relative path (resolved against the current
 * directory now), or a package specifier resolved in the worker.
 *
 * ```ts
 * export function fib(n: number): number { ... }
 * const fibTask = task<typeof fib>(import.meta.url, 'fib');
 * const f = pool.submit(fibTask, 30); // Future<number>
 * ```
 */
export function task<F extends AnyFunction>(module: string | URL, exportName = 'default'): TaskRef<F> {
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`task(): exportName must be a non-empty string, got ${String(exportName)}`);
  }
  let specifier: string;
  if (module instanceof URL) specifier = module.href;
  else if (typeof module !== 'string' || module === '') {
    throw new TypeError(`task(): module must be a URL, a path or a package name, got ${String(module)}`);
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) specifier = module;
  else if (path.isAbsolute(module) || module.startsWith('./') || module.startsWith('../')) {
    specifier = pathToFileURL(path.resolve(module)).href;
  } else specifier = module;
  return Object.freeze({ [TASK_REF]: true as const, module: specifier, exportName });
}

export function isTaskRef(value: unknown): value is TaskRef {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_REF] === true;
}

/** Globals the worker also has; anything else a function refers to is a captured variable. */
function isWorkerGlobal(name: string): boolean {
  return name in globalThis || name === 'require' || name === 'arguments';
}

const specCache = new WeakMap<AnyFunction, FnSpec>();

/**
 * How a worker will find `fn`. For a plain function: its source, after checking that it
 * is self-contained. Throws a TypeError naming the captured variables otherwise.
 */
export function fnSpecOf(fn: unknown, what = 'task'): FnSpec {
  if (isWithOptions(fn)) return fnSpecOf(fn.task, what);
  if (isTaskRef(fn)) return { kind: 'module', module: fn.module, exportName: fn.exportName };
  if (typeof fn !== 'function') {
    throw new TypeError(
      `${what} must be a function or a task(module, exportName) reference, got ${describe(fn)}`,
    );
  }
  const cached = specCache.get(fn as AnyFunction);
  if (cached !== undefined) return cached;
  const spec = sourceSpec(fn as AnyFunction, what);
  specCache.set(fn as AnyFunction, spec);
  return spec;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
}

function sourceSpec(fn: AnyFunction, what: string): FnSpec {
  const source = Function.prototype.toString.call(fn);
  const name = fn.name || '<anonymous>';
  const hint = 'define it in a module and pass task(import.meta.url, "name") instead';
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `${what} "${name}" is a native or bound function and cannot be sent to a worker; ${hint}`,
    );
  }
  let ast: unknown;
  try {
    ast = parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  } catch {
    throw new TypeError(
      `${what} "${name}" cannot be sent as source (a method or class member is not a standalone function expression); ${hint}`,
    );
  }
  const scopes = analyze(ast, { ecmaVersion: 2022, sourceType: 'script', ignoreEval: true });
  const free = new Set<string>();
  for (const ref of scopes.globalScope?.through ?? []) {
    if (!isWorkerGlobal(ref.identifier.name)) free.add(ref.identifier.name);
  }
  if (free.size > 0) {
    const names = [...free].map((n) => `"${n}"`).join(', ');
    throw new TypeError(
      `${what} "${name}" captures ${names} from its enclosing scope; a function sent as source runs in another ` +
        `thread or process and sees only its parameters and globals: pass ${free.size === 1 ? 'it' : 'them'} as arguments, or ${hint}`,
    );
  }
  return { kind: 'source', source, name };
}
