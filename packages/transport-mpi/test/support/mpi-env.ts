// Environment every MPI test needs, set before MPI starts (Open MPI's daemons and the
// spawned workers inherit it): running as root in CI containers, and more ranks than cores.
if (process.getuid?.() === 0) {
  process.env.OMPI_ALLOW_RUN_AS_ROOT ??= '1';
  process.env.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM ??= '1';
}
process.env.OMPI_MCA_rmaps_base_oversubscribe ??= '1';
