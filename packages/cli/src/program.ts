import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CLI_VERSION, CliError, UsageError } from './meta.js';
import type { RunOptions } from './run.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  }
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError(`expected a port number (0 for a free one), got "${value}"`);
  }
  return n;
}

function transportName(value: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(value)) {
    throw new InvalidArgumentError(`expected a transport name such as shm, mpi or zmq, got "${value}"`);
  }
  return value;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const RUN_HELP = `
The program runs as a child process with the settings below in its environment, so the same
program runs on every transport without a change (options given in code still win).

Environment set for the program:
  FUTURES_TRANSPORT       from --transport
  FUTURES_MAX_WORKERS     from -n (shm, zmq; mpi gets its N workers from the N+1 ranks)
  FUTURES_CONFIG          from --config
  FUTURES_<OPTION>        from -o option=value for a core option (-o maxInFlight=8: FUTURES_MAX_IN_FLIGHT)
  FUTURES_<T>_<OPTION>    from -o option=value for transport T's (-o ringBytes=65536: FUTURES_SHM_RING_BYTES)
  FUTURES_TRANSPORT_PATH  gets this CLI's directory, so transports installed beside the CLI load
  FUTURES_PROGRESS        with --progress: the program's executors report their stats to the CLI
  FUTURES_DASHBOARD       from --dashboard[=PORT]: 1 (a free port) or the port

With a transport that has a launcher (mpi), -n N starts the launcher with N+1 ranks
(mpiexec -n N+1) running "futures run" in every rank: rank 0 runs the program, the other N
ranks serve as its workers, so -n means workers on every transport.
TypeScript programs (.ts, .mts, .cts) run through tsx.

Exit status: the program's; 128+n when it ended on signal n; 2 for a usage error.
SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed to the program; whatever it started is
killed 3 seconds later, or at once on a second signal.

Examples:
  futures run app.js
  futures run --transport=shm -n 4 --progress sweep.ts --steps 100
  futures run --transport=mpi -n 8 app.js
  futures run --dashboard=8787 -n 4 app.js
  futures run -m my-package/tool --verbose
  futures run -c "console.log(process.argv.slice(2))" a b`;

const WORKER_HELP = `
Arguments after the options go to the transport's worker command; "futures worker -- --help"
shows its own help. Without --transport: FUTURES_TRANSPORT, the config file's "transport",
else zmq.

Examples:
  futures worker --connect tcp://10.0.0.5:5555 --key-file ~/.futures/key`;

const KEYGEN_HELP = `
Arguments after the options go to the transport's key command; "futures keygen -- --help"
shows its own help.

Examples:
  futures keygen -o futures.key`;

const INFO_HELP = `
Transports not installed are listed with the command that installs them; transports that
load but cannot work here (e.g. an MPI addon that was not built) say why and how to fix it.`;

/** Builds the `futures` command tree. `done(code)` receives each action's exit status. */
export function createProgram(
  done: (code: number | null) => void,
  programTail: readonly string[] = [],
): Command {
  const program = new Command('futures')
    .description('Run futures programs on worker threads, MPI or ZeroMQ without changing them.')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride();
  configureErrors(program, 'futures');

  const run = program
    .command('run')
    .summary('run a program with its executors on the chosen transport')
    .description('Run a program (script, -m module or -c code) with its executors on the chosen transport.')
    .usage(
      '[options] <script> [args...]\n       futures run [options] -m <module> [args...]\n       futures run [options] -c <code> [args...]',
    )
    .addOption(
      new Option(
        '-t, --transport <name>',
        'transport: shm, mpi, zmq, or a name mapped in the config file',
      ).argParser(transportName),
    )
    .addOption(
      new Option('-n, --workers <N>', 'number of workers (mpi starts N+1 ranks)').argParser(positiveInt),
    )
    .option('--progress', 'show live progress (plain lines when stderr is not a terminal)')
    .addOption(
      new Option(
        '--progress-interval <ms>',
        'milliseconds between plain progress lines (default: 1000)',
      ).argParser(positiveInt),
    )
    .option(
      '--dashboard',
      'serve a live dashboard of the executors in the browser (--dashboard=PORT for a fixed port; needs @futures/dashboard)',
    )
    .addOption(new Option('--dashboard-port <port>').argParser(portNumber).hideHelp())
    .option('--config <file>', 'configuration file to use instead of futures.config.json')
    .addOption(
      new Option('-m, --module <module>', 'run a module resolved from the current directory').conflicts(
        'code',
      ),
    )
    .addOption(new Option('-c, --code <code>', 'run this code as an ES module').conflicts('module'))
    .option('--tsx', 'load TypeScript through tsx even when the program is JavaScript')
    .option('-o, --option <name=value>', 'set an executor or transport option (repeatable)', collect)
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .argument('[script]', 'the program: a .js, .mjs, .cjs, .ts or .mts file')
    .argument('[args...]', "the program's arguments")
    .passThroughOptions()
    .addHelpText('after', RUN_HELP)
    .action(async (script: string | undefined, args: string[], opts: RunOptions) => {
      let programArgs = args;
      if (opts.module !== undefined || opts.code !== undefined) {
        programArgs = [...(script === undefined ? [] : [script]), ...args];
        script = undefined;
      }
      // commands load their modules when they run, so --help and --version stay quick
      const { runCommand } = await import('./run.js');
      done(await runCommand(opts, script, [...programArgs, ...programTail]));
    });
  configureErrors(run, 'futures run');

  const worker = program
    .command('worker')
    .summary('run a worker that joins a running pool (zmq)')
    .description("Run a worker that joins a running pool, with the transport's own worker command.")
    .usage('[options] [worker arguments...]')
    .addOption(new Option('-t, --transport <name>', 'transport (default: zmq)').argParser(transportName))
    .option('--config <file>', 'configuration file to use instead of futures.config.json')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .argument('[args...]', "arguments for the transport's worker command, e.g. --connect tcp://host:port")
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText('after', WORKER_HELP)
    .action(async (args: string[], opts: { transport?: string; config?: string }) => {
      const { workerCommand } = await import('./worker.js');
      done(await workerCommand(opts, args));
    });
  configureErrors(worker, 'futures worker');

  const keygen = program
    .command('keygen')
    .summary('make a cluster key for authenticated workers (zmq)')
    .description("Make a key that lets remote workers join a pool, with the transport's own key command.")
    .usage('[options] [keygen arguments...]')
    .addOption(new Option('-t, --transport <name>', 'transport (default: zmq)').argParser(transportName))
    .option('--config <file>', 'configuration file to use instead of futures.config.json')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .argument('[args...]', "arguments for the transport's key command, e.g. -o futures.key")
    .allowUnknownOption()
    .passThroughOptions()
    .addHelpText('after', KEYGEN_HELP)
    .action(async (args: string[], opts: { transport?: string; config?: string }) => {
      const { transportCommand } = await import('./worker.js');
      done(await transportCommand('keygen', opts, args));
    });
  configureErrors(keygen, 'futures keygen');

  const info = program
    .command('info')
    .summary('show versions and which transports can run here')
    .description(
      'Show the versions of node, the CLI, core and each transport, and which transports load here.',
    )
    .option('--json', 'print the report as JSON')
    .option('--config <file>', 'configuration file to use instead of futures.config.json')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .addHelpText('after', INFO_HELP)
    .action(async (opts: { json?: boolean; config?: string }) => {
      const { infoCommand } = await import('./info.js');
      done(await infoCommand(opts));
    });
  configureErrors(info, 'futures info');
  return program;
}

function configureErrors(cmd: Command, prefix: string): void {
  cmd.configureOutput({
    outputError: (str, write) =>
      write(`${prefix}: ${str.replace(/^error: /, '').trimEnd()} (see '${prefix} --help')\n`),
  });
}

/** Which command a usage error belongs to, for its message. */
function commandOf(argv: readonly string[]): string {
  const c = argv[0];
  return c === 'run' || c === 'worker' || c === 'keygen' || c === 'info' ? `futures ${c}` : 'futures';
}

const RUN_VALUE_OPTIONS = new Set([
  '-t',
  '--transport',
  '-n',
  '--workers',
  '--config',
  '--progress-interval',
  '--dashboard-port',
  '-o',
  '--option',
]);

/**
 * `futures run -m mod ...` and `-c code ...`: every argument after the module or code belongs
 * to the program (as with python -m / -c), options included. Splits them off before parsing.
 */
export function splitProgramTail(argv: readonly string[]): { head: string[]; tail: string[] } {
  const all = [...argv];
  if (all[0] !== 'run') return { head: all, tail: [] };
  for (let i = 1; i < all.length; i++) {
    const t = all[i]!;
    if (t === '--') break;
    if (t === '-m' || t === '--module' || t === '-c' || t === '--code') {
      return { head: all.slice(0, i + 2), tail: all.slice(i + 2) };
    }
    if (t.startsWith('--module=') || t.startsWith('--code=') || /^-[mc]./.test(t)) {
      return { head: all.slice(0, i + 1), tail: all.slice(i + 1) };
    }
    if (RUN_VALUE_OPTIONS.has(t)) i++;
    else if (!t.startsWith('-')) break;
  }
  return { head: all, tail: [] };
}

/**
 * `futures run --dashboard=PORT`: a flag with an optional value, which commander would take
 * from the next word (`--dashboard app.js`); the `=PORT` form becomes `--dashboard-port PORT`.
 * Only the run options before the program are looked at.
 */
export function expandDashboardFlag(argv: readonly string[]): string[] {
  const out = [...argv];
  if (out[0] !== 'run') return out;
  for (let i = 1; i < out.length; i++) {
    const t = out[i]!;
    if (t === '--') break;
    if (t.startsWith('--dashboard=')) {
      out.splice(i, 1, '--dashboard', '--dashboard-port', t.slice('--dashboard='.length));
      i += 2;
    } else if (RUN_VALUE_OPTIONS.has(t)) i++;
    else if (!t.startsWith('-')) break;
  }
  return out;
}

/**
 * Runs the CLI with the arguments after `futures`; resolves with the exit status, or null when
 * the program runs in this process and the process must end by itself.
 */
export async function main(argv: readonly string[]): Promise<number | null> {
  if (argv.length === 0) {
    process.stderr.write("futures: missing command: run, worker, keygen or info (see 'futures --help')\n");
    return 2;
  }
  const split = splitProgramTail(argv);
  const head = expandDashboardFlag(split.head);
  const tail = split.tail;
  let status: number | null = 0;
  const program = createProgram((code) => {
    status = code;
  }, tail);
  try {
    await program.parseAsync(head, { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const prefix = commandOf(argv);
    if (error instanceof UsageError) {
      process.stderr.write(`${prefix}: ${error.message} (see '${prefix} --help')\n`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      const message = error.message.startsWith('futures') ? error.message : `${prefix}: ${error.message}`;
      process.stderr.write(`${message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${prefix}: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
