import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TransportLoadError } from '../errors.js';
import type { TransportFactory } from '../transport/contract.js';
import type { TransportProvider } from '../transport/provider.js';
import { validateOptions } from './options.js';
import { type ResolvedConfig, transportSettingsFor } from './resolve.js';

/**
 * Where a transport package is looked up: the entry script's directory, the cwd, then the
 * directories in FUTURES_TRANSPORT_PATH (the `futures` CLI adds its own there).
 */
export function searchDirs(environment: Readonly<Record<string, string | undefined>>): string[] {
  const dirs: string[] = [];
  const entry = process.argv[1];
  if (entry) dirs.push(path.dirname(path.resolve(entry)));
  dirs.push(process.cwd());
  for (const d of (environment.FUTURES_TRANSPORT_PATH ?? '').split(path.delimiter))
    if (d) dirs.push(path.resolve(d));
  return [...new Set(dirs)];
}

/** `pkg` resolved as a module required from `dir`, or null. */
export function resolveFrom(dir: string, pkg: string): string | null {
  try {
    return createRequire(path.join(dir, '__futures_resolve__.js')).resolve(pkg);
  } catch {
    return null;
  }
}

/**
 * Finds and imports the package of transport `name` (for the CLI: `futures info`, launch
 * hooks). `source` names where the name came from, for the error message.
 */
export async function loadTransportProvider(
  name: string,
  source = `transport "${name}"`,
  environment: Readonly<Record<string, string | undefined>> = process.env,
  transportPackages: Readonly<Record<string, string>> = {},
): Promise<TransportProvider> {
  const pkg = transportPackages[name] ?? `@futures/transport-${name}`;
  const dirs = searchDirs(environment);
  let resolved: string | null = null;
  for (const dir of dirs) {
    resolved = resolveFrom(dir, pkg);
    if (resolved !== null) break;
  }
  const why = `transport "${name}" (from ${source})`;
  if (resolved === null) {
    throw new TransportLoadError(
      `futures: ${why} needs the package ${pkg}, which was not found from ${dirs.join(', ')}. ` +
        `Fix: install it in your application (pnpm add ${pkg} / npm install ${pkg}), ` +
        `or choose another transport (FUTURES_TRANSPORT, the "transport" option or futures.config.json).`,
    );
  }
  let mod: { futuresTransport?: TransportProvider };
  try {
    mod = (await import(pathToFileURL(fs.realpathSync(resolved)).href)) as {
      futuresTransport?: TransportProvider;
    };
  } catch (error) {
    throw new TransportLoadError(
      `futures: ${why}: the package ${pkg} (${resolved}) failed to load: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const provider = mod.futuresTransport;
  if (
    provider === undefined ||
    typeof provider.factory !== 'function' ||
    typeof provider.optionSpecs !== 'object'
  ) {
    throw new TransportLoadError(
      `futures: ${why}: the package ${pkg} does not export "futuresTransport" (a TransportProvider); it is not a futures transport.`,
    );
  }
  return provider;
}

/**
 * Loads the configured transport and builds its factory with its validated options (copied,
 * over the specs' defaults, into `shown` when given: the dashboard displays them).
 */
export async function loadTransport(
  config: ResolvedConfig,
  shown?: Record<string, unknown>,
): Promise<TransportFactory> {
  const chosen = config.transport.value;
  if (typeof chosen !== 'string') {
    const unknown = Object.keys(config.transportSettings);
    if (unknown.length > 0) {
      const first = config.transportSettings[unknown[0]!]!;
      throw new TransportLoadError(
        `futures: option "${unknown[0]}" (from ${first.source}) is not a core option; with a transport factory, ` +
          `pass transport options to the factory itself (e.g. shm({ ... })).`,
      );
    }
    return chosen;
  }
  const provider = await loadTransportProvider(
    chosen,
    config.transport.source,
    config.environment,
    config.transportPackages,
  );
  const settings = transportSettingsFor(config, provider.name, provider.optionSpecs);
  const options = validateOptions(settings, provider.optionSpecs, `transport "${chosen}"`);
  if (shown !== undefined) {
    for (const [name, spec] of Object.entries(provider.optionSpecs))
      if (spec.default !== undefined) shown[name] = spec.default;
    Object.assign(shown, options);
  }
  return provider.factory(options);
}
