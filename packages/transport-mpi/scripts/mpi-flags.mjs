#!/usr/bin/env node
// Prints the compile or link flags of the system MPI, read from its compiler wrapper, for
// binding.gyp. The wrapper is FUTURES_MPICC (e.g. mpicc.mpich, or Cray's `cc`), else mpicc.
// FUTURES_MPI_CFLAGS / FUTURES_MPI_LIBS override the detection entirely.
//   node scripts/mpi-flags.mjs cflags|libs|describe
import { mpiFlags } from './mpi-detect.mjs';

const what = process.argv[2];
try {
  const flags = mpiFlags();
  if (what === 'cflags') console.log(flags.cflags.join(' '));
  else if (what === 'libs') console.log(flags.libs.join(' '));
  else console.log(JSON.stringify(flags, null, 2));
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
