import { createRequire } from 'node:module';
import * as path from 'node:path';
import { CLI_ROOT, CLI_VERSION, readPackageJson } from './meta.js';
import {
  chooseTransport,
  KNOWN_TRANSPORTS,
  loadProvider,
  locateTransportPackage,
  type TransportChoice,
} from './transports.js';

export interface InfoOptions {
  json?: boolean;
  config?: string;
}

/** What `futures info` found out about one transport. */
export interface TransportReport {
  name: string;
  package: string;
  /** ok: loads and says it works here; unavailable: loads but cannot work here; missing: not installed; error: fails to load. */
  status: 'ok' | 'unavailable' | 'missing' | 'error';
  version: string | null;
  path: string | null;
  /** Why it cannot be used and how to fix it, or the transport's own details. */
  lines: string[];
}

export interface InfoReport {
  node: string;
  platform: string;
  cli: { version: string; path: string };
  core: { version: string; path: string } | null;
  config: string | null;
  transport: { name: string; source: string } | null;
  transports: TransportReport[];
}

async function inspect(
  name: string,
  choice: TransportChoice,
  env: NodeJS.ProcessEnv,
): Promise<TransportReport> {
  const pkg = choice.packages[name] ?? `@futures/transport-${name}`;
  const dirs = [
    process.cwd(),
    ...(env.FUTURES_TRANSPORT_PATH ?? '').split(path.delimiter).filter(Boolean),
    CLI_ROOT,
  ];
  const found = locateTransportPackage(pkg, dirs);
  const report: TransportReport = {
    name,
    package: pkg,
    status: 'missing',
    version: found?.info?.version ?? null,
    path: found?.info?.dir ?? found?.entry ?? null,
    lines: [],
  };
  if (found === null) {
    report.lines.push(`install it: pnpm add ${pkg} (or npm install ${pkg}) in your application`);
    return report;
  }
  if (found.entry === null) {
    report.status = 'error';
    report.lines.push(
      `the package is there but its entry file is missing: reinstall it (npm install ${pkg}, or pnpm add ${pkg}); ` +
        `contributors, in the futures repository: pnpm --filter ${pkg} build`,
    );
    return report;
  }
  try {
    const provider = await loadProvider({ ...choice, name, source: 'futures info' }, env);
    report.status = 'ok';
    const info = await provider.cli?.info?.();
    if (info !== undefined) {
      if (!info.ok) report.status = 'unavailable';
      report.lines.push(...info.lines);
    }
  } catch (error) {
    report.status = 'error';
    report.lines.push(...String((error as Error).message ?? error).split('\n'));
  }
  return report;
}

export async function collectInfo(opts: InfoOptions): Promise<InfoReport> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.config !== undefined) env.FUTURES_CONFIG = path.resolve(opts.config);
  let choice: TransportChoice | null = null;
  let choiceError: string | null = null;
  try {
    choice = chooseTransport(undefined, env, process.cwd());
  } catch (error) {
    choiceError = (error as Error).message;
  }
  const names = [...KNOWN_TRANSPORTS, ...Object.keys(choice?.packages ?? {})];
  if (choice !== null && !names.includes(choice.name)) names.push(choice.name);
  const base: TransportChoice = choice ?? {
    name: 'shm',
    source: 'futures info',
    packages: {},
    configFile: null,
  };
  const transports: TransportReport[] = [];
  for (const name of [...new Set(names)]) transports.push(await inspect(name, base, env));
  let core: InfoReport['core'] = null;
  try {
    const file = createRequire(import.meta.url).resolve('@futures/core/package.json');
    const pkg = readPackageJson(path.dirname(file));
    if (pkg !== null) core = { version: pkg.version, path: pkg.dir };
  } catch {}
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cli: { version: CLI_VERSION, path: CLI_ROOT },
    core,
    config: choiceError ?? choice?.configFile ?? null,
    transport: choice === null ? null : { name: choice.name, source: choice.source },
    transports,
  };
}

const STATUS_TEXT: Record<TransportReport['status'], string> = {
  ok: 'ok',
  unavailable: 'unavailable',
  missing: 'not installed',
  error: 'cannot load',
};

export function formatInfo(r: InfoReport): string {
  const out = [
    `futures ${r.cli.version}`,
    `  node       ${r.node} (${r.platform})`,
    `  cli        @futures/cli ${r.cli.version} (${r.cli.path})`,
    `  core       ${r.core === null ? 'not found' : `@futures/core ${r.core.version} (${r.core.path})`}`,
    `  config     ${r.config ?? 'none (no futures.config.json or package.json "futures" key found)'}`,
    `  transport  ${r.transport === null ? 'unknown' : `${r.transport.name} (from ${r.transport.source})`}`,
    'transports:',
  ];
  const width = Math.max(...r.transports.map((t) => t.name.length), 3);
  for (const t of r.transports) {
    const where = t.version === null ? '' : `  ${t.package} ${t.version}${t.path ? ` (${t.path})` : ''}`;
    out.push(`  ${t.name.padEnd(width)}  ${STATUS_TEXT[t.status]}${where}`);
    for (const line of t.lines) out.push(`  ${' '.repeat(width)}    ${line}`);
  }
  return `${out.join('\n')}\n`;
}

/** `futures info`: versions, configuration, and which transports load here (and why not). */
export async function infoCommand(opts: InfoOptions): Promise<number> {
  const report = await collectInfo(opts);
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatInfo(report));
  return 0;
}
