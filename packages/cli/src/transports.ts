import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import {
  type ConfigFile,
  chooseTransportName,
  findConfigFile,
  loadTransportProvider,
  type TransportProvider,
  transportPackagesOf,
} from '@futures/core/transport';
import { CLI_ROOT, CliError, type PackageInfo, packageOf } from './meta.js';

/** The transports `futures info` always reports on. */
export const KNOWN_TRANSPORTS = ['shm', 'mpi', 'zmq'] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** The transport a program started here would use, and where that choice came from. */
export interface TransportChoice {
  name: string;
  source: string;
  /** Transport name → package, from the config file's "transports" key. */
  packages: Record<string, string>;
  configFile: string | null;
}

/**
 * The configuration file core would read (FUTURES_CONFIG, else the nearest
 * futures.config.json or package.json "futures" key from `cwd` upward): core's own lookup,
 * so that the CLI picks the same transport as the program.
 */
export function findConfig(cwd: string, explicit: string | undefined): ConfigFile | null {
  try {
    return findConfigFile(cwd, explicit);
  } catch (error) {
    throw new CliError((error as Error).message, { code: 'FUTURES_CONFIG', cause: error });
  }
}

/**
 * The transport a program started here would use: core's own choice (the --transport flag,
 * which becomes FUTURES_TRANSPORT for the program, > environment > config file > fallback).
 */
export function chooseTransport(
  flag: string | undefined,
  env: Env,
  cwd: string,
  fallback = 'shm',
): TransportChoice {
  const config = findConfig(cwd, env.FUTURES_CONFIG);
  const explicit = flag === undefined ? undefined : { value: flag, source: 'option --transport' };
  try {
    const { name, source } = chooseTransportName(explicit, env, config, fallback);
    return { name, source, packages: transportPackagesOf(config), configFile: config?.path ?? null };
  } catch (error) {
    throw new CliError((error as Error).message, {
      code: 'FUTURES_CONFIG',
      exitCode: flag !== undefined ? 2 : 1,
      cause: error,
    });
  }
}

/** FUTURES_TRANSPORT_PATH with the CLI's own directory last, so transports resolve from its dependencies. */
export function transportPathWithCli(env: Env, first: readonly string[] = []): string {
  const parts = [...first, ...(env.FUTURES_TRANSPORT_PATH ?? '').split(path.delimiter), CLI_ROOT].filter(
    (p) => p !== '',
  );
  return [...new Set(parts)].join(path.delimiter);
}

/** Loads a transport's provider as the program would (its directory first, then the CLI's dependencies). */
export async function loadProvider(
  choice: TransportChoice,
  env: Env,
  firstDirs: readonly string[] = [],
): Promise<TransportProvider> {
  const environment = { ...env, FUTURES_TRANSPORT_PATH: transportPathWithCli(env, firstDirs) };
  try {
    return await loadTransportProvider(choice.name, choice.source, environment, choice.packages);
  } catch (error) {
    throw new CliError((error as Error).message, { code: 'FUTURES_TRANSPORT_LOAD', cause: error });
  }
}

/**
 * Where the package of a transport would be found (for `futures info`), or null. `entry` is
 * null when the package is there but its entry file is not (not built).
 */
export function locateTransportPackage(
  pkg: string,
  dirs: readonly string[],
): { entry: string | null; info: PackageInfo | null } | null {
  for (const dir of dirs) {
    const require = createRequire(path.join(dir, '__futures_resolve__.js'));
    try {
      const entry = fs.realpathSync(require.resolve(pkg));
      return { entry, info: packageOf(entry, pkg) };
    } catch {}
    try {
      const manifest = fs.realpathSync(require.resolve(`${pkg}/package.json`));
      return { entry: null, info: packageOf(manifest, pkg) };
    } catch {}
  }
  return null;
}
