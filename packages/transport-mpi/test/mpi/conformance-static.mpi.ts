// Inner suite (run by rank0-vitest.mjs under mpiexec): static mode, as `mpiexec -n N futures
// run app.js` gives it: ranks 1..N-1 serve every executor rank 0 creates.
import { PoolExecutor } from '@futures/core';
import { runConformanceSuite } from '@futures/core/conformance';
import { mpi } from '../../src/index.js';

runConformanceSuite({
  name: 'mpi static',
  createExecutor: (options) => new PoolExecutor({ ...options, transport: mpi({ mpiMode: 'static' }) }),
  capabilities: { replaceWorkers: false },
});
