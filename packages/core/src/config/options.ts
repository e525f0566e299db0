// The one option model: every option (core's and each transport's) is described by an
// OptionSpec and checked here, whether it came from code, the environment or a config file.
import { optionRangeError, optionTypeError } from '../errors.js';
import type { OptionSpec } from '../transport/provider.js';

/** A setting's value and where it came from, for error messages. */
export interface Sourced<T = unknown> {
  value: T;
  /** e.g. `option "maxWorkers"`, `environment variable FUTURES_MAX_WORKERS`, `config file /app/futures.config.json` */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** camelCase core option name → its environment variable, e.g. maxWorkers → FUTURES_MAX_WORKERS. */
export function envNameOf(option: string): string {
  return `FUTURES_${snake(option)}`;
}

/**
 * A transport option's environment variable: FUTURES_<TRANSPORT>_<OPTION>, e.g. ringBytes of
 * shm → FUTURES_SHM_RING_BYTES. An option named after its transport is not repeated:
 * mpiMode of mpi → FUTURES_MPI_MODE. No two transports share a variable.
 */
export function transportEnvNameOf(transport: string, option: string): string {
  const prefix = snake(transport).replace(/-/g, '_');
  let rest = snake(option);
  if (rest.startsWith(`${prefix}_`)) rest = rest.slice(prefix.length + 1);
  return `FUTURES_${prefix}_${rest}`;
}

const warnedLegacy = new Set<string>();

/**
 * The transport options set in the environment: FUTURES_<TRANSPORT>_<OPTION>, else a spec's
 * `legacyEnv` (with a one-time DeprecationWarning). A spec's `retiredEnv` that is set is an
 * error naming the new variable.
 */
export function transportEnvSettings(
  transport: string,
  specs: Readonly<Record<string, OptionSpec>>,
  environment: Env,
): Record<string, Sourced> {
  const out: Record<string, Sourced> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const envName = transportEnvNameOf(transport, name);
    const value = environment[envName];
    if (value !== undefined && value !== '') {
      out[name] = { value, source: `environment variable ${envName}` };
      continue;
    }
    if (spec.retiredEnv !== undefined && (environment[spec.retiredEnv] ?? '') !== '') {
      throw optionTypeError(
        `futures: environment variable ${spec.retiredEnv} is no longer read: two transports gave it ` +
          `different meanings. Fix: set ${envName} (the ${name} option of transport "${transport}") instead.`,
      );
    }
    const legacy = spec.legacyEnv === undefined ? undefined : environment[spec.legacyEnv];
    if (legacy !== undefined && legacy !== '' && spec.legacyEnv !== undefined) {
      if (!warnedLegacy.has(spec.legacyEnv)) {
        warnedLegacy.add(spec.legacyEnv);
        process.emitWarning(
          `futures: environment variable ${spec.legacyEnv} is deprecated; rename it to ${envName}.`,
          { type: 'DeprecationWarning', code: 'FUTURES_DEP_ENV' },
        );
      }
      out[name] = { value: legacy, source: `environment variable ${spec.legacyEnv}` };
    }
  }
  return out;
}

function fail(kind: 'type' | 'range', name: string, at: Sourced, expected: string): never {
  const got =
    typeof at.value === 'string'
      ? JSON.stringify(at.value)
      : typeof at.value === 'object' && at.value !== null
        ? (JSON.stringify(at.value) ?? String(at.value))
        : String(at.value);
  const message =
    `futures: ${name} (from ${at.source}) must be ${expected}, got ${got}. ` +
    `Fix: correct or remove it in ${at.source}.`;
  throw kind === 'type' ? optionTypeError(message) : optionRangeError(message);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates one value against its spec. Values from the environment arrive as strings and
 * are parsed here; every failure is a TypeError/RangeError naming the option and source.
 */
export function validateOption(name: string, spec: OptionSpec, at: Sourced): unknown {
  const fromEnv = at.source.startsWith('environment variable');
  let v = at.value;
  switch (spec.type) {
    case 'integer':
    case 'number': {
      if (fromEnv && typeof v === 'string') v = v.trim() === '' ? Number.NaN : Number(v);
      const kind = spec.type === 'integer' ? 'an integer' : 'a number';
      if (typeof v !== 'number' || Number.isNaN(v) || (spec.type === 'integer' && !Number.isInteger(v))) {
        fail('type', name, at, kind);
      }
      if (spec.min !== undefined && v < spec.min) fail('range', name, at, `${kind} >= ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) fail('range', name, at, `${kind} <= ${spec.max}`);
      return v;
    }
    case 'string':
      if (typeof v !== 'string' || (spec.nonEmpty === true && v === ''))
        fail('type', name, at, spec.nonEmpty === true ? 'a non-empty string' : 'a string');
      if (spec.choices && !spec.choices.includes(v))
        fail('range', name, at, `one of ${spec.choices.join(', ')}`);
      return v;
    case 'boolean':
      if (fromEnv && typeof v === 'string') {
        const s = v.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(s)) return true;
        if (['0', 'false', 'no', 'off'].includes(s)) return false;
        fail('type', name, at, 'a boolean (1/0, true/false, yes/no, on/off)');
      }
      if (typeof v !== 'boolean') fail('type', name, at, 'a boolean');
      return v;
    case 'json': {
      if (fromEnv && typeof v === 'string') {
        try {
          v = JSON.parse(v) as unknown;
        } catch {
          fail('type', name, at, `valid JSON, e.g. ${spec.example}`);
        }
      }
      const ok =
        spec.shape === 'list'
          ? Array.isArray(v) && v.every((x) => typeof x === 'string')
          : isPlainObject(v) &&
            (spec.shape === 'object' || Object.values(v).every((x) => typeof x === 'string'));
      const expected = { list: 'an array of strings', record: 'an object of strings', object: 'an object' };
      if (!ok) fail('type', name, at, `${expected[spec.shape]}, e.g. ${spec.example}`);
      const problem = spec.check?.(v as object);
      if (problem !== undefined) fail('type', name, at, problem);
      return v;
    }
  }
}

/** Validates a record of sourced values against specs; unknown names are errors. */
export function validateOptions(
  values: Readonly<Record<string, Sourced>>,
  specs: Readonly<Record<string, OptionSpec>>,
  owner: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, at] of Object.entries(values)) {
    const spec = specs[name];
    if (spec === undefined) {
      const known = Object.keys(specs).join(', ') || 'none';
      throw optionTypeError(
        `futures: unknown option "${name}" (from ${at.source}) for ${owner}; its options are: ${known}. ` +
          `Fix: remove it or check its spelling.`,
      );
    }
    out[name] = validateOption(name, spec, at);
  }
  return out;
}

/**
 * The options object given in code (e.g. to `shm({...})`), validated against `specs`, with
 * each spec's `default` for what is missing: what a transport factory works with.
 * `label` names the call in messages, e.g. `shm()`.
 */
export function resolveOptions<T extends object>(
  options: unknown,
  specs: Readonly<Record<string, OptionSpec>>,
  label: string,
): T {
  if (options === undefined || options === null) options = {};
  if (!isPlainObject(options)) {
    throw optionTypeError(
      `futures: the options of ${label} must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}. ` +
        `Fix: pass { ${Object.keys(specs)[0] ?? 'name'}: ... } or nothing.`,
    );
  }
  const sourced: Record<string, Sourced> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined) sourced[name] = { value, source: `option "${name}" of ${label}` };
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    // a default object is copied: the caller may keep and change what it gets
    if (spec.default !== undefined) out[name] = structuredClone(spec.default);
  }
  return Object.assign(out, validateOptions(sourced, specs, label)) as T;
}
