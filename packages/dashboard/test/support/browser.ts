// A real browser (Debian's chromium, driven by playwright-core; no browser download) and the
// fixture program it watches: a child `node` process with the dashboard on, driven line by
// line on stdin so that the test, not the clock, decides when tasks run.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';

export const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(PKG_DIR, 'test', 'fixtures');
/** Where the tests leave their screenshots (looked at by people, not compared). */
export const OUTPUT_DIR = path.join(PKG_DIR, 'test-output');

/** The system's chromium (scripts/setup.sh installs Debian's package); FUTURES_CHROMIUM overrides. */
export const CHROMIUM = process.env.FUTURES_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export { HAS_MPI, mpiEnv } from './mpi.js';

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (scripts/setup.sh does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A TCP port free on loopback now (for a zmq pool that remote workers connect to). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A cluster key file (mode 600) in a fresh temporary directory, written by `keyFileText`. */
export function writeTempKeyFile(text: string): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-dashboard-test-'));
  const file = path.join(dir, 'cluster.key');
  fs.writeFileSync(file, text, { mode: 0o600 });
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `futures-zmq-worker --connect ADDR --key-file FILE`: one worker process that joins a running
 * zmq pool from outside, as one on another machine would.
 */
export function startZmqWorker(connect: string, keyFile: string): ChildProcess {
  const require = createRequire(path.join(PKG_DIR, 'package.json'));
  const bin = path.join(
    path.dirname(require.resolve('@futures/transport-zmq/package.json')),
    'bin',
    'futures-zmq-worker.js',
  );
  return spawn(process.execPath, [bin, '--connect', connect, '--key-file', keyFile, '--quiet'], {
    cwd: FIXTURES,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** One JSON line the fixture program wrote on stdout. */
export interface FixtureEvent {
  event: string;
  [key: string]: unknown;
}

/**
 * The fixture program test/fixtures/controlled-run.mjs, running. `url` resolves with the
 * dashboard's address once the program printed it on stderr; `next(name)` waits for the
 * program's next event of that name; `send` writes one command line.
 */
export class FixtureRun {
  readonly url: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  readonly #child: ChildProcess;
  readonly #events: FixtureEvent[] = [];
  #waiters: (() => void)[] = [];
  #stdoutRest = '';

  constructor(transports: readonly string[], env: Record<string, string> = {}) {
    this.#child = spawn(process.execPath, [path.join(FIXTURES, 'controlled-run.mjs'), ...transports], {
      cwd: FIXTURES,
      env: { ...process.env, FUTURES_DASHBOARD: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        resolve({ code, signal });
        this.#wake();
      });
    });
    let resolveUrl: (url: string) => void;
    this.url = new Promise((resolve) => {
      resolveUrl = resolve;
    });
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
      const found = /https?:\/\/\S+/.exec(this.stderr);
      if (found) resolveUrl(found[0]);
    });
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => {
      const lines = (this.#stdoutRest + chunk).split('\n');
      this.#stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.#events.push(JSON.parse(line) as FixtureEvent);
        } catch {
          // a stray line (e.g. a worker's own output): not an event
        }
      }
      this.#wake();
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** The program's next event called `name` (earlier ones of other names are dropped). */
  async next(name: string): Promise<FixtureEvent> {
    for (;;) {
      const index = this.#events.findIndex((e) => e.event === name);
      if (index >= 0) return this.#events.splice(0, index + 1)[index]!;
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(`the fixture program ended before '${name}'; its stderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  /** Asks the program to shut its executors down and exit; kills it if it does not. */
  async quit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.send('quit');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 60_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** A page on the dashboard, with every console error and uncaught page error it had. */
export interface DashboardPage {
  page: Page;
  problems: string[];
}

/**
 * Opens `url` in a new 1280x900 page of `browser` (or of a context of it), collecting its
 * problems; `onRequest` sees every request the page makes.
 */
export async function openDashboard(
  browser: Browser | BrowserContext,
  url: string,
  onRequest?: (request: Request) => void,
): Promise<DashboardPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (onRequest !== undefined) page.on('request', onRequest);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    // The event stream is cut when the page closes: that is not a failure of the page.
    if (!page.isClosed()) problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  await page.goto(url);
  return { page, problems };
}

// The few DOM shapes the page-side predicates below use (the test's TypeScript has no DOM lib:
// these functions run in the browser, where the real objects have them).
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}
interface PageDocument extends PageElement {
  getElementById(id: string): PageElement | null;
}
declare const document: PageDocument;
/** ECharts, as the page loads it (a global of its classic script). */
declare const echarts: {
  getInstanceByDom(
    element: PageElement | null,
  ): { getOption(): { series?: { data?: unknown[] }[] } } | undefined;
};

/** Waits until `[data-executor]` sections show `counts` (per executor: alive workers). */
export async function waitForWorkers(page: Page, expected: number[], timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const sections = [...document.querySelectorAll('[data-executor]')];
      if (sections.length !== want.length) return false;
      return sections.every(
        (section, i) => section.querySelectorAll('[data-worker][data-state="alive"]').length === want[i],
      );
    },
    expected,
    { timeout },
  );
}

/**
 * Waits until the executor section `section` (a selector, e.g. `[data-transport="shm"]`) shows `completed` completed tasks, `failed` failed
 * ones, and as many bars in its task stream (every task that returned from a worker is one bar;
 * `bars` when some did not), and the page's
 * total `#completed` counter reads `totalCompleted`.
 */
export async function waitForProgress(
  page: Page,
  expected: { section: string; completed: number; failed: number; bars?: number; totalCompleted: number },
  timeout = 60_000,
): Promise<void> {
  const shown = () =>
    page.evaluate((want) => {
      const section = document.querySelector(`[data-executor]${want.section}`);
      const text = (selector: string) => section?.querySelector(selector)?.textContent?.trim();
      return {
        completed: text('[data-counter="completed"]'),
        failed: text('[data-counter="failed"]'),
        bars: section?.querySelector('[data-task-stream]')?.dataset.bars,
        totalCompleted: document.getElementById('completed')?.textContent,
      };
    }, expected);
  const want = {
    completed: String(expected.completed),
    failed: String(expected.failed),
    bars: String(expected.bars ?? expected.completed + expected.failed),
    totalCompleted: String(expected.totalCompleted),
  };
  try {
    await page.waitForFunction(
      ({ selector, want }) => {
        const section = document.querySelector(`[data-executor]${selector}`);
        if (section === null) return false;
        const text = (s: string) => section.querySelector(s)?.textContent?.trim();
        return (
          text('[data-counter="completed"]') === want.completed &&
          text('[data-counter="failed"]') === want.failed &&
          section.querySelector('[data-task-stream]')?.dataset.bars === want.bars &&
          document.getElementById('completed')?.textContent === want.totalCompleted
        );
      },
      { selector: expected.section, want },
      { timeout },
    );
  } catch (error) {
    // Say what the page showed instead: a bare timeout is no help in a CI log.
    throw new Error(
      `the page did not show ${JSON.stringify(want)}; it shows ${JSON.stringify(await shown())}`,
      { cause: error },
    );
  }
}

/** Bars in the ECharts task-stream chart of a section, counted from the chart's own data. */
export function chartBarCount(page: Page, section: string): Promise<number> {
  return page.evaluate((selector) => {
    const element = document.querySelector(`[data-executor]${selector} [data-task-stream]`);
    const chart = echarts.getInstanceByDom(element);
    const series = chart?.getOption().series ?? [];
    return series.reduce((sum, s) => sum + (s.data?.length ?? 0), 0);
  }, section);
}

/** Saves a screenshot of the page as test-output/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Waits until the page's only executor section is in `state` ("running", "shutdown",
 * "broken") with `alive` alive workers and (when given) `lost` lost ones.
 */
export async function waitForWorkerStates(
  page: Page,
  expected: { alive: number; lost?: number; state: string },
  timeout = 60_000,
): Promise<void> {
  try {
    await page.waitForFunction(
      (want) => {
        const section = document.querySelector('[data-executor]');
        if (section === null || section.dataset.state !== want.state) return false;
        const count = (state: string) =>
          section.querySelectorAll(`[data-worker][data-state="${state}"]`).length;
        return count('alive') === want.alive && (want.lost === undefined || count('lost') === want.lost);
      },
      expected,
      { timeout },
    );
  } catch (error) {
    const shown = await page.evaluate(() => {
      const section = document.querySelector('[data-executor]');
      return {
        state: section?.dataset.state,
        workers: [...(section?.querySelectorAll('[data-worker]') ?? [])].map((row) => row.dataset.state),
        events: [...(section?.querySelectorAll('[data-event]') ?? [])].map((item) => item.textContent),
      };
    });
    throw new Error(`the page did not show ${JSON.stringify(expected)}; it shows ${JSON.stringify(shown)}`, {
      cause: error,
    });
  }
}

/**
 * Waits until the page saw the program end (its event stream closed after every executor shut
 * down) while still showing its executor sections, in `states` (each section's data-state, in
 * page order).
 */
export async function waitForEnded(page: Page, states: string[], timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (want) =>
      document.getElementById('connection')?.dataset.state === 'closed' &&
      [...document.querySelectorAll('[data-executor]')].map((s) => s.dataset.state).join() === want.join(),
    states,
    { timeout },
  );
}
