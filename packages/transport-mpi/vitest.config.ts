import { defineConfig } from 'vitest/config';

// Real MPI: each file runs in its own process (a process has one MPI life), one file at a
// time (the MPI jobs of two files would fight over two cores), with generous timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/mpi-env.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
