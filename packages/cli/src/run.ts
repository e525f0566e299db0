import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { TsxNotFoundError } from '@futures/core';
import {
  ARGV_DASH_C_IMPORT,
  CORE_OPTION_SPECS,
  envNameOf as coreEnvNameOf,
  type TransportCliHooks,
  transportEnvNameOf,
} from '@futures/core/transport';
import { isTypeScriptModule, resolveTsx } from '@futures/core/worker';
import { type ProgramSpec, runInline } from './inline.js';
import { CLI_BIN, CliError, UsageError } from './meta.js';
import { LineRenderer, type ProgressRenderer, TerminalRenderer } from './progress/view.js';
import { type SupervisedChild, type SupervisedOutput, type SuperviseStdio, supervise } from './supervise.js';
import { chooseTransport, loadProvider, transportPathWithCli } from './transports.js';

/** Parsed `futures run` options. */
export interface RunOptions {
  /** Transport name (becomes FUTURES_TRANSPORT). */
  transport?: string;
  /** -n: workers (shm, zmq) or ranks (mpi, through the transport's launcher). */
  workers?: number;
  progress?: boolean;
  /** Milliseconds between plain progress lines when stderr is not a terminal. @default 1000 */
  progressInterval?: number;
  /** --dashboard: serve the live dashboard (becomes FUTURES_DASHBOARD=1, or the port). */
  dashboard?: boolean;
  /** --dashboard=PORT. */
  dashboardPort?: number;
  /** Configuration file (becomes FUTURES_CONFIG). */
  config?: string;
  /** -m: run a module resolved from the current directory. */
  module?: string;
  /** -c: run this code as an ES module. */
  code?: string;
  /** Load TypeScript through tsx even when the entry is JavaScript. */
  tsx?: boolean;
  /** -o name=value: transport or core options (become FUTURES_<NAME>). */
  option?: string[];
}

const OPTION_NAME = /^[a-zA-Z][a-zA-Z0-9]*$/;

/**
 * An option's environment variable, as @futures/core reads it: FUTURES_<OPTION> for a core
 * option (maxInFlight → FUTURES_MAX_IN_FLIGHT), FUTURES_<TRANSPORT>_<OPTION> for one of the
 * transport's (ringBytes of shm → FUTURES_SHM_RING_BYTES).
 */
export function envNameOf(option: string, transport?: string): string {
  return transport === undefined || Object.hasOwn(CORE_OPTION_SPECS, option)
    ? coreEnvNameOf(option)
    : transportEnvNameOf(transport, option);
}

/** The command line that runs the user's program, and the directory its transports resolve from first. */
interface ProgramCommand {
  argv: string[];
  dir: string;
  /** How a launcher's ranks run the same program (`futures run` arguments). */
  runArgs: string[];
  /** The program, for running it in this process. */
  spec: ProgramSpec;
}

/**
 * The preload that registers tsx in the program's process, after checking that the
 * application has tsx (an optional peer dependency): resolved from `dir`, then the working
 * directory. Without it, a CliError that names the package to install.
 */
function tsxImport(dir: string, program: string): string[] {
  try {
    resolveTsx({ from: dir, module: program });
  } catch (error) {
    if (error instanceof TsxNotFoundError)
      throw new CliError(error.message, { code: error.code, cause: error });
    throw error;
  }
  const url = new URL('./register-ts.js', import.meta.url);
  url.searchParams.set('from', dir);
  return ['--import', url.href];
}

function moduleLooksTs(spec: string, cwd: string): boolean {
  if (isTypeScriptModule(spec)) return true;
  try {
    return isTypeScriptModule(createRequire(path.join(cwd, '__futures_resolve__.js')).resolve(spec));
  } catch {
    return false;
  }
}

function moduleBootstrap(spec: string): string {
  const s = JSON.stringify(spec);
  return [
    "import { fileURLToPath } from 'node:url';",
    'let url;',
    `try { url = import.meta.resolve(${s}); } catch (error) {`,
    `  process.stderr.write('futures run: cannot find module ' + ${s} + ' from ' + process.cwd() + ': ' + error.message + '\\n');`,
    '  process.exit(2);',
    '}',
    "process.argv.splice(1, 0, url.startsWith('file:') ? fileURLToPath(url) : url);",
    'await import(url);',
  ].join('\n');
}

function programCommand(
  opts: RunOptions,
  script: string | undefined,
  args: readonly string[],
  cwd: string,
): ProgramCommand {
  const node = process.execPath;
  if (opts.module !== undefined) {
    let dir = cwd;
    try {
      dir = path.dirname(createRequire(path.join(cwd, '__futures_resolve__.js')).resolve(opts.module));
    } catch {}
    const loader =
      opts.tsx || moduleLooksTs(opts.module, cwd) ? tsxImport(dir, `the module ${opts.module}`) : [];
    return {
      argv: [node, ...loader, '--input-type=module', '--eval', moduleBootstrap(opts.module), '--', ...args],
      dir,
      runArgs: ['-m', opts.module, ...args],
      spec: { kind: 'module', target: opts.module, args, ts: loader.length > 0 },
    };
  }
  if (opts.code !== undefined) {
    const loader = opts.tsx ? tsxImport(cwd, 'the code (-c) run with --tsx') : [];
    // argv[1] is "-c" as in Python, so process.argv.slice(2) are the arguments as for a script
    return {
      argv: [
        node,
        ...loader,
        '--import',
        ARGV_DASH_C_IMPORT,
        '--input-type=module',
        '--eval',
        opts.code,
        '--',
        ...args,
      ],
      dir: cwd,
      runArgs: ['-c', opts.code, ...args],
      spec: { kind: 'code', target: opts.code, args, ts: loader.length > 0 },
    };
  }
  if (script === undefined) {
    throw new UsageError(
      'missing the program to run: futures run [options] <script> [args...], -m <module> or -c <code>',
    );
  }
  const file = path.resolve(cwd, script);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`cannot find the script ${script} (looked for ${file})`);
  }
  if (!stat.isFile()) throw new UsageError(`the script ${script} is not a file`);
  const loader =
    opts.tsx || isTypeScriptModule(file) ? tsxImport(path.dirname(file), `the program ${script}`) : [];
  return {
    argv: [node, ...loader, file, ...args],
    dir: path.dirname(file),
    runArgs: [file, ...args],
    spec: { kind: 'script', target: file, args, ts: loader.length > 0 },
  };
}

/** `-o name=value` options as [name, value] pairs. */
function parseOptions(options: readonly string[]): [string, string][] {
  return options.map((o) => {
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq);
    if (eq < 0 || !OPTION_NAME.test(name)) {
      throw new UsageError(
        `option -o expects name=value with a camelCase option name (e.g. -o maxInFlight=8), got "${o}"`,
      );
    }
    return [name, o.slice(eq + 1)];
  });
}

/**
 * `futures run`: resolves with the exit status the CLI should exit with, or null when the
 * program runs in this process and ends it itself.
 */
export async function runCommand(
  opts: RunOptions,
  script: string | undefined,
  args: readonly string[],
): Promise<number | null> {
  const cwd = process.cwd();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.config !== undefined) {
    const file = path.resolve(cwd, opts.config);
    if (!fs.existsSync(file))
      throw new UsageError(`--config: cannot find ${opts.config} (looked for ${file})`);
    env.FUTURES_CONFIG = file;
  }
  if (opts.transport !== undefined) env.FUTURES_TRANSPORT = opts.transport;
  // "1" is a free port (and "0" would mean off), so port 0 is said as "1"
  if (opts.dashboard || opts.dashboardPort !== undefined)
    env.FUTURES_DASHBOARD = opts.dashboardPort ? String(opts.dashboardPort) : '1';
  const options = parseOptions(opts.option ?? []);
  // core options first (-o transport=zmq chooses the transport), then the transport's own
  for (const [name, value] of options)
    if (Object.hasOwn(CORE_OPTION_SPECS, name)) env[envNameOf(name)] = value;
  const program = programCommand(opts, script, args, cwd);
  env.FUTURES_TRANSPORT_PATH = transportPathWithCli(env);

  const choice = chooseTransport(opts.transport, env, cwd);
  for (const [name, value] of options) env[envNameOf(name, choice.name)] = value;
  let hooks: TransportCliHooks = {};
  try {
    hooks = (await loadProvider(choice, env, [program.dir])).cli ?? {};
  } catch (error) {
    // a transport named on the command line must load; one from the environment, the config
    // file or the default is the program's business (it may choose another one in code)
    if (opts.transport !== undefined) throw error;
  }

  // a server process of a launcher-started job (an MPI rank > 0) serves instead of running the program
  if (hooks.isServerProcess?.()) {
    if (hooks.serve === undefined) {
      throw new CliError(
        `futures: transport "${choice.name}" reports a server process but has no serve() hook`,
      );
    }
    return hooks.serve();
  }

  // a process the launcher started (MPI rank 0): the job's identity is this process, so the
  // program runs here rather than in a child
  if (env.FUTURES_LAUNCHED === choice.name || hooks.isLaunched?.()) {
    const progress = opts.progress ? { intervalMs: opts.progressInterval ?? 1000 } : null;
    return runInline(program.spec, env, progress);
  }

  if (opts.workers !== undefined && hooks.launchCommand) {
    const inner = [
      process.execPath,
      CLI_BIN,
      'run',
      ...innerRunArgs(opts, choice.name, env),
      ...program.runArgs,
    ];
    const launch = hooks.launchCommand(opts.workers, inner);
    if (launch !== null) {
      const launchEnv: NodeJS.ProcessEnv = {
        ...env,
        FUTURES_TRANSPORT: choice.name,
        FUTURES_LAUNCHED: choice.name,
      };
      // Launchers may give each process a pseudo-terminal (Open MPI does), so programs would
      // colour their output even when ours goes to a file or a pipe: say no colours then.
      if (!process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined)
        launchEnv.NO_COLOR = '1';
      return supervise(launch, { env: launchEnv, stdio: 'inherit', launcher: true });
    }
  }
  if (opts.workers !== undefined) env.FUTURES_MAX_WORKERS = String(opts.workers);
  return runProgram(program.argv, env, opts);
}

/** `futures run` arguments for each process a launcher starts (without -n: the launcher made the ranks). */
function innerRunArgs(opts: RunOptions, transport: string, env: NodeJS.ProcessEnv): string[] {
  const out = ['--transport', transport];
  if (opts.progress) out.push('--progress');
  if (opts.progressInterval !== undefined) out.push('--progress-interval', String(opts.progressInterval));
  if (env.FUTURES_CONFIG !== undefined && opts.config !== undefined) out.push('--config', env.FUTURES_CONFIG);
  if (opts.tsx) out.push('--tsx');
  for (const o of opts.option ?? []) out.push('-o', o);
  return out;
}

async function runProgram(argv: string[], env: NodeJS.ProcessEnv, opts: RunOptions): Promise<number> {
  if (!opts.progress) return supervise(argv, { env, stdio: 'inherit' });
  env.FUTURES_PROGRESS = String(process.pid);
  const terminal = process.stderr.isTTY === true && env.TERM !== 'dumb';
  // on a terminal the program's terminal output goes through the view, so it does not tear the bars
  const through = (s: NodeJS.WriteStream): 'pipe' | 'inherit' => (terminal && s.isTTY ? 'pipe' : 'inherit');
  const stdio: SuperviseStdio = ['inherit', through(process.stdout), through(process.stderr), 'ipc'];
  const renderer: ProgressRenderer = terminal
    ? new TerminalRenderer(process.stderr)
    : new LineRenderer(process.stderr, opts.progressInterval ?? 1000);
  try {
    return await supervise(argv, {
      env,
      stdio,
      onSpawn: (child: SupervisedChild) => {
        child.on('message', (m) => renderer.message(m));
        if (child.stdout) pipeLines(child.stdout, renderer);
        if (child.stderr) pipeLines(child.stderr, renderer);
      },
    });
  } finally {
    renderer.stop();
  }
}

function pipeLines(stream: SupervisedOutput, renderer: ProgressRenderer): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const text = rest + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      rest = text;
      return;
    }
    rest = text.slice(end + 1);
    renderer.log(text.slice(0, end + 1));
  });
  stream.on('end', () => {
    if (rest !== '') renderer.log(`${rest}\n`);
    rest = '';
  });
}
