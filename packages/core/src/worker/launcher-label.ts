import { isMainThread } from 'node:worker_threads';

/**
 * The rank an MPI launcher gave this process (Open MPI, MPICH/PMI, PMIx), for displays. Only
 * in a process's main thread: worker threads inherit their controller's environment, which
 * names the controller's rank, not theirs.
 */
export function launcherLabel(): string | undefined {
  if (!isMainThread) return undefined;
  const rank = process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? process.env.PMIX_RANK;
  return rank !== undefined && /^\d+$/.test(rank) ? `rank ${rank}` : undefined;
}
