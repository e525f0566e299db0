// The process entry of a worker that a controller (or `futures worker -n N`) started:
//   node worker-entry.js --connect ADDR --lifeline 3 --token T --runtime URL ...
// The key arrives as the first line on the lifeline fd, never in argv or the environment.
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { runWorkerMain } from '@futures/core/transport';
import { parseWorkerArgs } from './cli-args.js';
import { parseKey } from './keys.js';
import { runWorker, WorkerExit } from './worker.js';

/** Reads one line from a (blocking) fd. */
function readLine(fd: number): string {
  const chunk = Buffer.alloc(256);
  let text = '';
  for (;;) {
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    text += chunk.toString('utf8', 0, n);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.trim();
}

/**
 * Ends this process the moment its parent (pid `parent`) is gone (re-parenting changes ppid),
 * even while the main thread is busy in a long synchronous task: a thread of its own checks
 * every 100 ms. Resolves once that thread runs.
 */
async function startWatchdog(parent: number, ipcDir: string | null): Promise<void> {
  // A controller killed by a signal cannot remove its private socket directory: we do.
  const code =
    'const { parent, ipcDir } = require("node:worker_threads").workerData;' +
    'const check = () => { if (process.ppid === parent) return;' +
    ' if (ipcDir) try { require("node:fs").rmSync(ipcDir, { recursive: true, force: true }); } catch {}' +
    ' process.kill(process.pid, "SIGKILL"); };' +
    'check(); setInterval(check, 100);';
  const thread = new Worker(code, {
    eval: true,
    workerData: { parent, ipcDir },
    stdout: false,
    stderr: false,
  });
  await once(thread, 'online');
  thread.unref();
}

/** The controller's private socket directory, when this worker connects to one. */
function controllerIpcDir(connect: string): string | null {
  if (!connect.startsWith('ipc://')) return null;
  const dir = path.dirname(connect.slice('ipc://'.length));
  return path.basename(dir).startsWith('futures-zmq-') ? dir : null;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseWorkerArgs>;
  try {
    args = parseWorkerArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return WorkerExit.Failed;
  }
  let secret = args.secret;
  if (args.lifeline !== null) {
    const line = readLine(args.lifeline);
    if (args.parent !== null) await startWatchdog(args.parent, controllerIpcDir(args.connect));
    secret = line === '-' ? null : parseKey(line, 'the key from the controller');
  }
  return runWorker({
    connect: args.connect,
    secret,
    heartbeatInterval: args.heartbeatInterval,
    heartbeatTimeout: args.heartbeatTimeout,
    joinTimeout: args.joinTimeout,
    maxMessageBytes: args.maxMessageBytes,
    ...(args.token !== undefined ? { token: args.token } : {}),
    ...(args.runtimeUrl !== undefined ? { runtimeUrl: args.runtimeUrl } : {}),
    ...(args.quiet
      ? {}
      : { onStatus: (line: string) => process.stderr.write(`futures worker ${process.pid}: ${line}\n`) }),
  });
}

runWorkerMain(`futures worker ${process.pid}`, main, WorkerExit.Failed);
