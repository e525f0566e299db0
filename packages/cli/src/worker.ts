import * as path from 'node:path';
import { UsageError } from './meta.js';
import { chooseTransport, KNOWN_TRANSPORTS, loadProvider } from './transports.js';

export interface WorkerOptions {
  transport?: string;
  config?: string;
}

/**
 * `futures worker [--transport=zmq] ...args`: runs a worker that joins a running pool, through
 * the transport's `cli.worker(argv)` hook. Without --transport: FUTURES_TRANSPORT, the config
 * file's transport, else zmq (the transport whose workers join from outside).
 */
export async function workerCommand(opts: WorkerOptions, args: readonly string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.config !== undefined) env.FUTURES_CONFIG = path.resolve(opts.config);
  const choice = chooseTransport(opts.transport, env, process.cwd(), 'zmq');
  const provider = await loadProvider(choice, env);
  const worker = provider.cli?.worker;
  if (worker === undefined) {
    const joinable: string[] = [];
    for (const name of KNOWN_TRANSPORTS) {
      if (name === choice.name) continue;
      try {
        const p = await loadProvider({ ...choice, name, source: 'futures worker' }, env);
        if (p.cli?.worker) joinable.push(name);
      } catch {}
    }
    const hint = joinable.length > 0 ? ` Transports with worker commands here: ${joinable.join(', ')}.` : '';
    throw new UsageError(
      `transport "${choice.name}" (from ${choice.source}) has no worker command: its program starts its own workers.${hint}`,
    );
  }
  return worker(args);
}
