// Runs an inner vitest suite as rank 0 of an MPI job; the other ranks serve it.
//   mpiexec -n N node test/mpi/rank0-vitest.mjs static|comm <results.json>
// Rank 0 runs vitest in this process with the threads pool: the test file's executors live
// in a worker thread of rank 0, which is where MPI starts (the main thread never touches it).
// Ranks 1..N-1: static mode serves like `futures run`'s servers; comm mode joins commPool().
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const mode = process.argv[2];
const out = process.argv[3];
const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mpi = await import('../../dist/index.js');
const world = mpi.launcherWorld();
if (world === null) throw new Error('run me under mpiexec');

if (world.rank > 0) {
  if (mode === 'static') process.exit(await mpi.cliHooks.serve());
  await mpi.commPool({ root: 0 });
  process.exit(0);
}

if (mode === 'static') {
  // What futures run / isServerProcess() do at rank 0, without starting MPI in this thread.
  process.env.FUTURES_MPI_STATIC_CONTROLLER = '1';
  process.env.FUTURES_MAX_WORKERS ??= String(world.size - 1);
}
const { startVitest } = await import('vitest/node');
const vitest = await startVitest('test', [`test/mpi/conformance-${mode}.mpi.ts`], {
  root: pkgDir,
  config: path.join(pkgDir, 'test/mpi/vitest.mpi.config.ts'),
  run: true,
  watch: false,
  reporters: ['default', ['json', { outputFile: out }]],
});
const failed = vitest.state.getCountOfFailedTests() + vitest.state.errorsSet.size;
await vitest.close();
process.exit(failed > 0 ? 1 : 0);
