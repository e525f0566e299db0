// The fuzz properties of the test suites (codec round trips, damaged frames at the scheduler
// and the worker runtime, a rogue zmq peer, damaged frames over MPI), run longer than in CI:
// with a random seed (printed, to reproduce a failure) and FUZZ_RUNS times the CI's runs.
//
//   node scripts/fuzz.mjs                 random seed, 20x the runs
//   node scripts/fuzz.mjs --seed 42 --runs 100
//   node scripts/fuzz.mjs --only core     core | zmq | mpi
//
// A failure prints fast-check's counterexample; rerun one package's properties with the
// printed command. Builds nothing: run `pnpm build` first (zmq and mpi test the built core).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, runs: { type: 'string', default: '20' }, only: { type: 'string' } },
});
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const runs = values.runs;
const root = path.resolve(import.meta.dirname, '..');
const mpiAddon = path.join(root, 'packages/transport-mpi/build/Release/futures_mpi.node');
const suites = [
  { name: 'core', dir: 'packages/core', files: ['test/fuzz'] },
  { name: 'zmq', dir: 'packages/transport-zmq', files: ['test/fuzz-peer.test.ts'] },
  {
    name: 'mpi',
    dir: 'packages/transport-mpi',
    files: ['test/fuzz-frames.test.ts'],
    skip: !fs.existsSync(mpiAddon),
  },
].filter((s) => values.only === undefined || s.name === values.only);

console.log(`fuzz: seed ${seed}, ${runs}x the CI runs`);
// MPI as root and with more ranks than cores (as the MPI tests' setup does), unless set already
const mpiDefaults = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_rmaps_base_oversubscribe: '1',
};
const env = { ...mpiDefaults, ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs };
let failed = 0;
for (const s of suites) {
  if (s.skip) {
    console.log(`fuzz ${s.name}: not run (the MPI addon is not built)`);
    continue;
  }
  const args = ['vitest', 'run', ...s.files, '--testTimeout', '0', '--hookTimeout', '120000'];
  const t0 = Date.now();
  const r = spawnSync('npx', args, { cwd: path.join(root, s.dir), stdio: 'inherit', env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) {
    console.log(`fuzz ${s.name}: passed in ${secs} s`);
  } else {
    failed++;
    console.log(`fuzz ${s.name}: FAILED in ${secs} s; reproduce with:`);
    console.log(`  cd ${s.dir} && FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npx ${args.join(' ')}`);
  }
}
console.log(`fuzz: seed ${seed}: ${failed === 0 ? 'all passed' : `${failed} failed`}`);
process.exit(failed === 0 ? 0 : 1);
