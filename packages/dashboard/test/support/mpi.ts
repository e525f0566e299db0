import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Whether the mpi cases can run here: the workspace's transport-mpi addon is built. CI sets
// FUTURES_REQUIRE_MPI=1, which turns a missing addon into an error instead of a skip.
const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MPI_ADDON = path.join(PKG_DIR, 'node_modules/@futures/transport-mpi/build/Release/futures_mpi.node');
export const HAS_MPI = fs.existsSync(MPI_ADDON);
if (process.env.FUTURES_REQUIRE_MPI === '1' && !HAS_MPI) {
  throw new Error(`FUTURES_REQUIRE_MPI=1 but the MPI addon is not built: ${MPI_ADDON}`);
}

/** What Open MPI needs to spawn workers from a plain `node` process here (root, 2 cores). */
export function mpiEnv(): Record<string, string> {
  return {
    OMPI_MCA_rmaps_base_oversubscribe: '1',
    ...(process.getuid?.() === 0 ? { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' } : {}),
  };
}
