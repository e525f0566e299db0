import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { TransportCliHooks } from '@futures/core/transport';
import { parseWorkerArgs, WORKER_USAGE, type WorkerArgs } from './cli-args.js';
import { formatSecret, keyFileText, loadSecret, writeKeyFile } from './keys.js';
import { LocalWorker } from './local-workers.js';
import { zmqEnv } from './options.js';
import { runWorker, WorkerExit } from './worker.js';
import { loadZmq } from './zmq-lib.js';

const KEYGEN_USAGE = `Usage: futures keygen [-o FILE]

Makes a new cluster key for the ZeroMQ transport. With -o, writes FILE (mode 600; an existing
file is never overwritten); else prints it. Give the same key to the controller (keyFile option
or FUTURES_ZMQ_KEY_FILE) and to every worker (futures worker --key-file FILE).
`;

function out(text: string): void {
  process.stdout.write(text);
}

function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `futures keygen [-o FILE]`. */
export async function keygenCommand(argv: readonly string[]): Promise<number> {
  let file: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      out(KEYGEN_USAGE);
      return 0;
    }
    if (a === '-o' || a === '--output') {
      file = argv[++i] ?? null;
      if (file === null) {
        err('futures keygen: -o needs a file name');
        return 1;
      }
    } else {
      err(`futures keygen: unknown argument ${JSON.stringify(a)} (see --help)`);
      return 1;
    }
  }
  if (file === null) {
    out(keyFileText());
    return 0;
  }
  try {
    writeKeyFile(file);
  } catch (error) {
    err(`futures keygen: cannot write ${file}: ${(error as Error).message}`);
    return 1;
  }
  err(`futures keygen: wrote ${path.resolve(file)} (mode 600)`);
  return 0;
}

/** `futures worker --connect ADDR ...`: resolves with the exit code. */
export async function workerCommand(argv: readonly string[]): Promise<number> {
  let args: WorkerArgs;
  try {
    args = parseWorkerArgs(argv);
  } catch (error) {
    err((error as Error).message);
    return WorkerExit.Failed;
  }
  if (args.help) {
    out(WORKER_USAGE);
    return 0;
  }
  const status = args.quiet ? undefined : (line: string) => err(`futures worker ${process.pid}: ${line}`);
  if (args.workers === 1 && !args.reconnect) {
    return runWorker({
      connect: args.connect,
      secret: args.secret,
      heartbeatInterval: args.heartbeatInterval,
      heartbeatTimeout: args.heartbeatTimeout,
      joinTimeout: args.joinTimeout,
      maxMessageBytes: args.maxMessageBytes,
      ...(status ? { onStatus: status } : {}),
    });
  }
  return supervise(args);
}

/** Runs N worker processes; with --reconnect, restarts each one that the controller released or lost. */
async function supervise(args: WorkerArgs): Promise<number> {
  const runtimeUrl = import.meta.resolve('@futures/core/worker');
  const keyText = args.secret === null ? null : formatSecret(args.secret);
  const children = new Set<LocalWorker>();
  let stopping = false;
  let firstFailure = 0;
  let authFailures = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const start = (): void => {
    const w = new LocalWorker(
      {
        connect: args.connect,
        key: keyText,
        runtimeUrl,
        heartbeatInterval: args.heartbeatInterval,
        heartbeatTimeout: args.heartbeatTimeout,
        maxMessageBytes: args.maxMessageBytes,
        env: process.env,
        cwd: process.cwd(),
        execArgv: process.execArgv,
        unref: false,
      },
      [
        ...(args.quiet ? ['--quiet'] : []),
        ...(args.joinTimeout > 0 ? ['--join-timeout', String(args.joinTimeout / 1000)] : []),
      ],
    );
    children.add(w);
    void w.exited.then(({ code }) => {
      children.delete(w);
      // a refused key is retried too (a daemon outlives a misconfigured controller), ever more slowly
      authFailures = code === WorkerExit.AuthFailed ? authFailures + 1 : 0;
      const again =
        args.reconnect &&
        !stopping &&
        (code === WorkerExit.Released ||
          code === WorkerExit.ControllerLost ||
          code === WorkerExit.Refused ||
          code === WorkerExit.AuthFailed);
      if (again) {
        // give a controller that is going away time to close its socket before rejoining
        const delay = Math.min(60_000, args.heartbeatInterval * 2 ** Math.min(authFailures, 6));
        setTimeout(() => (stopping ? maybeDone() : start()), delay);
        return;
      }
      if (code !== 0 && firstFailure === 0) firstFailure = code ?? 1;
      maybeDone();
    });
  };
  const maybeDone = (): void => {
    if (children.size === 0) finished();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopping = true;
    if (firstFailure === 0) firstFailure = signal === 'SIGINT' ? 130 : 143;
    for (const w of children) w.kill('SIGTERM');
    maybeDone();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  for (let i = 0; i < args.workers; i++) start();
  await allDone;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return firstFailure;
}

/** `futures info` lines for this transport. */
export async function infoLines(): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  try {
    const lib = await loadZmq();
    const require = createRequire(import.meta.url);
    const pkg = require('zeromq/package.json') as { version: string };
    lines.push(
      `zeromq ${pkg.version} (libzmq ${lib.version}), CURVE ${lib.capability.curve ? 'available' : 'NOT available'}`,
    );
    if (!lib.capability.curve) {
      ok = false;
      lines.push('this zeromq build lacks CURVE: only curve: false on loopback works');
    }
  } catch (error) {
    return { ok: false, lines: [(error as Error).message] };
  }
  const keyFile = zmqEnv(process.env, 'keyFile');
  const key = keyFile === null ? zmqEnv(process.env, 'key') : null;
  if (keyFile !== null || key !== null) {
    try {
      loadSecret(key?.value ?? null, keyFile?.value ?? null, (keyFile ?? key)!.variable);
      lines.push(`cluster key: ${keyFile ? `${keyFile.variable}=${keyFile.value}` : key!.variable} (valid)`);
    } catch (error) {
      ok = false;
      lines.push(`cluster key: ${(error as Error).message}`);
    }
  } else {
    lines.push(
      'cluster key: none configured (local workers only; `futures keygen -o FILE` for remote workers)',
    );
  }
  return { ok, lines };
}

/** The CLI hooks of this transport: `futures worker` and `futures keygen` are its commands. */
export const cliHooks: TransportCliHooks = {
  launchCommand: () => null,
  commands: {
    worker: { summary: 'run a worker that joins a running pool (--connect ADDR)', run: workerCommand },
    keygen: { summary: 'write a cluster key for remote workers (-o FILE)', run: keygenCommand },
  },
  info: infoLines,
};
