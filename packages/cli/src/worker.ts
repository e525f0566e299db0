import * as path from 'node:path';
import { UsageError } from './meta.js';
import { chooseTransport, KNOWN_TRANSPORTS, loadProvider } from './transports.js';

export interface WorkerOptions {
  transport?: string;
  config?: string;
}

/** Why a transport may lack one of the commands the CLI documents (for the error's message). */
const WHY_NOT: Readonly<Record<string, string>> = {
  worker: 'its program starts its own workers',
  keygen: 'it uses no keys',
};

/**
 * `futures worker` and `futures keygen`: the transport's own command, with the arguments after
 * the CLI's options. Without --transport: FUTURES_TRANSPORT, the config file's transport, else
 * zmq (the transport whose workers join from outside).
 */
export async function transportCommand(
  command: string,
  opts: WorkerOptions,
  args: readonly string[],
): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.config !== undefined) env.FUTURES_CONFIG = path.resolve(opts.config);
  const choice = chooseTransport(opts.transport, env, process.cwd(), 'zmq');
  const provider = await loadProvider(choice, env);
  const hook = provider.cli?.commands?.[command];
  if (hook === undefined) {
    const others: string[] = [];
    for (const name of KNOWN_TRANSPORTS) {
      if (name === choice.name) continue;
      try {
        const p = await loadProvider({ ...choice, name, source: `futures ${command}` }, env);
        if (p.cli?.commands?.[command] !== undefined) others.push(name);
      } catch {}
    }
    const hint = others.length > 0 ? ` Transports with one here: ${others.join(', ')}.` : '';
    throw new UsageError(
      `transport "${choice.name}" (from ${choice.source}) has no ${command} command${WHY_NOT[command] === undefined ? '' : `: ${WHY_NOT[command]}`}.${hint}`,
    );
  }
  return hook.run(args);
}

/** `futures worker [--transport=zmq] ...args`: a worker that joins a running pool. */
export function workerCommand(opts: WorkerOptions, args: readonly string[]): Promise<number> {
  return transportCommand('worker', opts, args);
}
