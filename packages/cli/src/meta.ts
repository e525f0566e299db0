import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The @futures/cli package root (transports are resolved from its dependencies too). */
export const CLI_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The `futures` executable script. */
export const CLI_BIN = path.join(CLI_ROOT, 'dist', 'bin.js');

export interface PackageInfo {
  name: string;
  version: string;
  dir: string;
}

export function readPackageJson(dir: string): PackageInfo | null {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    if (typeof json.name !== 'string') return null;
    return { name: json.name, version: typeof json.version === 'string' ? json.version : '?', dir };
  } catch {
    return null;
  }
}

/** Walks up from a file that belongs to package `name` to that package's root. */
export function packageOf(file: string, name: string): PackageInfo | null {
  let dir = path.dirname(file);
  for (;;) {
    const pkg = readPackageJson(dir);
    if (pkg !== null && pkg.name === name) return pkg;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export const CLI_VERSION = readPackageJson(CLI_ROOT)?.version ?? '0.0.0';

/** A failure the user caused on the command line: exit status 2, one line on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'FUTURES_USAGE';
  readonly exitCode = 2;
}

/** A failure to set up the run (configuration, transport): exit status 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, options: { code?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'FUTURES_CLI';
    this.exitCode = options.exitCode ?? 1;
  }
}
