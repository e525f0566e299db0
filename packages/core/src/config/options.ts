import { optionRangeError, optionTypeError } from '../errors.js';
import type { OptionSpec } from '../transport/contract.js';

/** A setting's value and where it came from, for error messages. */
export interface Sourced<T = unknown> {
  value: T;
  /** e.g. `option "maxWorkers"`, `environment variable FUTURES_MAX_WORKERS`, `config file /app/futures.config.json` */
  source: string;
}

/** camelCase option name → its FUTURES_ environment variable. */
export function envNameOf(option: string): string {
  return `FUTURES_${option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function fail(kind: 'type' | 'range', name: string, at: Sourced, expected: string): never {
  const got = typeof at.value === 'string' ? JSON.stringify(at.value) : String(at.value);
  const message =
    `futures: ${name} (from ${at.source}) must be ${expected}, got ${got}. ` +
    `Fix: correct or remove it in ${at.source}.`;
  throw kind === 'type' ? optionTypeError(message) : optionRangeError(message);
}

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
      const isInt = spec.type === 'integer';
      if (typeof v !== 'number' || Number.isNaN(v) || (isInt && !Number.isInteger(v))) {
        fail('type', name, at, isInt ? 'an integer' : 'a number');
      }
      if (spec.min !== undefined && v < spec.min)
        fail('range', name, at, `${isInt ? 'an integer' : 'a number'} >= ${spec.min}`);
      if (spec.type === 'integer' && spec.max !== undefined && v > spec.max) {
        fail('range', name, at, `an integer <= ${spec.max}`);
      }
      return v;
    }
    case 'string':
      if (typeof v !== 'string') fail('type', name, at, 'a string');
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
    case 'json':
      if (fromEnv && typeof v === 'string') {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          fail('type', name, at, 'valid JSON');
        }
      }
      return v;
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
