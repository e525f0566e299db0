import type {
  DashboardAttachment,
  DashboardExecutorInfo,
  DashboardProvider,
  DashboardSettings,
  DashboardSource,
} from '@futures/core';
import { DashboardHub } from './hub.js';
import { DashboardServer } from './server.js';

interface Running {
  hub: DashboardHub;
  server: Promise<DashboardServer>;
}

/**
 * One dashboard per process: the first executor that asks for it starts the server (with its
 * settings) and prints the URL to stderr; every later executor of the program is shown on
 * that same page, whatever port it asked for. The slot is global (not this module's), so two
 * copies of the package loaded in one process still share one server.
 */
const SLOT = Symbol.for('futures.dashboard.running');
const slot = globalThis as { [SLOT]?: Running | null };

function ensureStarted(settings: DashboardSettings): Running {
  const running = slot[SLOT];
  if (running !== undefined && running !== null) return running;
  const hub = new DashboardHub();
  const started: Running = { hub, server: DashboardServer.start(hub, settings) };
  slot[SLOT] = started;
  started.server.then(
    (server) => process.stderr.write(`${server.banner}\n`),
    () => {
      if (slot[SLOT] === started) slot[SLOT] = null; // a later executor may try again (another port)
    },
  );
  return started;
}

/** What core loads by name (`futuresDashboard`) when the dashboard is turned on. */
export const futuresDashboard: DashboardProvider = {
  async attach(
    executor: DashboardSource,
    info: DashboardExecutorInfo,
    settings: DashboardSettings,
  ): Promise<DashboardAttachment> {
    const { hub, server } = ensureStarted(settings);
    await server;
    return hub.attach(executor, info);
  },
};

/** The page's address (with its token) once this process's dashboard runs; null before. */
export async function dashboardUrl(): Promise<string | null> {
  const running = slot[SLOT];
  if (running === undefined || running === null) return null;
  return (await running.server).url;
}

/**
 * Closes this process's dashboard (its server, open pages and timer); the next executor that
 * asks for one starts a new one. A program need not call it: the server never keeps the
 * process alive.
 */
export async function closeDashboard(): Promise<void> {
  const was = slot[SLOT];
  slot[SLOT] = null;
  if (was === undefined || was === null) return;
  was.hub.close();
  const server = await was.server.catch(() => null);
  await server?.close();
}
