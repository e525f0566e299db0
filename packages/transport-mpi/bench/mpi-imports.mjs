// The package under test, from its build.
export { mpi, mpiPingPong } from '../dist/index.js';
export function isStaticControllerMode() {
  return process.env.FUTURES_MPI_STATIC_CONTROLLER === '1';
}
