#!/usr/bin/env node
/**
 * A static-mode launcher for programs run without the `futures` CLI:
 *   mpiexec -n N node node_modules/@futures/transport-mpi/dist/run.js app.js [args...]
 * Rank 0 runs app.js (its executors use ranks 1..N-1); the other ranks serve until it exits.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliHooks } from './provider.js';

async function main(): Promise<void> {
  const [script, ...args] = process.argv.slice(2);
  if (cliHooks.isServerProcess!()) {
    process.exit(await cliHooks.serve!());
  }
  if (script === undefined) {
    process.stderr.write('usage: mpiexec -n N node run.js app.js [args...]\n');
    process.exit(2);
  }
  const file = path.resolve(script);
  process.argv = [process.argv[0]!, file, ...args];
  await import(pathToFileURL(file).href);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
