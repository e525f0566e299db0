// Environment every MPI test needs, set before MPI starts (Open MPI's daemons and the
// spawned workers inherit it): running as root in CI containers, and more ranks than cores.
if (process.getuid?.() === 0) {
  process.env.OMPI_ALLOW_RUN_AS_ROOT ??= '1';
  process.env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ??= '1';
}
process.env.OMPI_MCA_rmaps_base_oversubscribe ??= '1';

// CI (and anyone who sets FUTURES_REQUIRE_MPI=1) must not get a green run by skipping: a
// missing MPI or an addon that failed to build is then an error, not a reason to skip.
import { HAS_MPI, NO_MPI_REASON } from './processes.js';

if (process.env.FUTURES_REQUIRE_MPI === '1' && !HAS_MPI) {
  throw new Error(`FUTURES_REQUIRE_MPI=1 but the MPI tests cannot run: ${NO_MPI_REASON}`);
}
