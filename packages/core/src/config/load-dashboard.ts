import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DashboardError } from '../errors.js';
import type { ExecutorObserver } from '../executor/observers.js';
import type { ExecutorStats } from '../executor/stats.js';
import type { DashboardSettings } from './dashboard-option.js';
import { resolveFrom, searchDirs } from './load-transport.js';
import type { ResolvedConfig } from './resolve.js';

/** The package that serves the dashboard; core never imports it, it is found at run time. */
export const DASHBOARD_PACKAGE = '@futures/dashboard';

/** What the dashboard sees of an executor. */
export interface DashboardSource {
  readonly transportName: string;
  observe(observer: ExecutorObserver): () => void;
  stats(): ExecutorStats;
}

/** What the dashboard is told about an executor when it attaches (for display). */
export interface DashboardExecutorInfo {
  transport: string;
  /** Core and transport settings as resolved; the dashboard leaves out secret ones (keys). */
  settings: Record<string, unknown>;
}

/** One executor's place on the dashboard. */
export interface DashboardAttachment {
  /** The executor shut down (or broke): its workers are shown as stopped; the last detach closes the server. */
  detach(broken?: Error): void;
}

/** What @futures/dashboard exports as `futuresDashboard`. */
export interface DashboardProvider {
  /** Shows an executor (starting this process's one server first); resolves once it listens. */
  attach(
    executor: DashboardSource,
    info: DashboardExecutorInfo,
    settings: DashboardSettings,
  ): Promise<DashboardAttachment>;
}

/** Finds and imports @futures/dashboard where transports are found (the app, the cwd, the CLI's). */
export async function loadDashboard(
  settings: DashboardSettings,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<DashboardProvider> {
  const dirs = searchDirs(environment);
  let resolved: string | null = null;
  for (const dir of dirs) {
    resolved = resolveFrom(dir, DASHBOARD_PACKAGE);
    if (resolved !== null) break;
  }
  if (resolved === null) {
    throw new DashboardError(
      `futures: the dashboard (from ${settings.source}) needs the package ${DASHBOARD_PACKAGE}, which was not ` +
        `found from ${dirs.join(', ')}. Fix: npm install ${DASHBOARD_PACKAGE} (or pnpm add ${DASHBOARD_PACKAGE}) ` +
        `in your application, or turn the dashboard off.`,
      'ERR_FUTURES_DASHBOARD_NOT_INSTALLED',
    );
  }
  let mod: { futuresDashboard?: DashboardProvider };
  try {
    mod = (await import(pathToFileURL(fs.realpathSync(resolved)).href)) as typeof mod;
  } catch (error) {
    throw new DashboardError(
      `futures: the package ${DASHBOARD_PACKAGE} (${resolved}) failed to load: ${(error as Error).message}`,
      'ERR_FUTURES_DASHBOARD',
      { cause: error },
    );
  }
  if (typeof mod.futuresDashboard?.attach !== 'function') {
    throw new DashboardError(
      `futures: the package ${DASHBOARD_PACKAGE} (${resolved}) does not export "futuresDashboard"; ` +
        'install a version that matches @futures/core.',
      'ERR_FUTURES_DASHBOARD',
    );
  }
  return mod.futuresDashboard;
}

/** Loads the dashboard and attaches `source` to it, with the settings it displays. */
export async function attachDashboard(
  source: DashboardSource,
  config: ResolvedConfig,
  transportOptions: Readonly<Record<string, unknown>>,
): Promise<DashboardAttachment> {
  const settings = config.dashboard!;
  const provider = await loadDashboard(settings, config.environment);
  const shown: Record<string, unknown> = {
    maxWorkers: config.maxWorkers.value,
    maxInFlight: config.maxInFlight,
    retries: config.retries,
    abortGraceMs: config.abortGraceMs,
    maxMessageBytes: config.maxMessageBytes,
    configFile: config.configFile,
    ...transportOptions,
  };
  try {
    return await provider.attach(source, { transport: source.transportName, settings: shown }, settings);
  } catch (error) {
    throw new DashboardError(
      `futures: the dashboard (from ${settings.source}) could not start on ${settings.host}:${settings.port}: ` +
        `${(error as Error)?.message ?? String(error)}. Fix: choose another port, or turn the dashboard off.`,
      'ERR_FUTURES_DASHBOARD',
      { cause: error },
    );
  }
}
