import { defineConfig } from 'vitest/config';

// The inner suites run by rank0-vitest.mjs inside an MPI job: in a worker thread of rank 0.
export default defineConfig({
  test: {
    include: ['test/mpi/**/*.mpi.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'threads',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
