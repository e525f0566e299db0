import * as fs from 'node:fs';
import * as path from 'node:path';
import { optionTypeError } from '../errors.js';

export interface ConfigFile {
  path: string;
  /** The settings object: futures.config.json as a whole, or package.json's "futures" key. */
  settings: Record<string, unknown>;
}

/**
 * Finds the nearest futures.config.json, or package.json with a "futures" key, from `dir`
 * upward (futures.config.json wins within one directory). FUTURES_CONFIG names a file directly.
 */
export function findConfigFile(dir: string, explicit: string | undefined): ConfigFile | null {
  if (explicit) return readConfig(path.resolve(dir, explicit), null, 'environment variable FUTURES_CONFIG');
  let current = path.resolve(dir);
  for (;;) {
    const own = path.join(current, 'futures.config.json');
    if (fs.existsSync(own)) return readConfig(own, null, own);
    const pkg = path.join(current, 'package.json');
    if (fs.existsSync(pkg)) {
      const found = readConfig(pkg, 'futures', pkg);
      if (found !== null) return found;
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

function readConfig(file: string, key: string | null, source: string): ConfigFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw optionTypeError(
      `futures: cannot read the configuration file ${file} (from ${source}): ${(error as Error).message}. ` +
        `Fix: make it valid JSON, or remove it.`,
    );
  }
  const settings = key === null ? parsed : (parsed as Record<string, unknown> | null)?.[key];
  if (settings === undefined && key !== null) return null;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw optionTypeError(
      `futures: the settings in ${file}${key ? ` (key "${key}")` : ''} must be a JSON object. Fix: write { "transport": "shm", ... }.`,
    );
  }
  return { path: file, settings: settings as Record<string, unknown> };
}
