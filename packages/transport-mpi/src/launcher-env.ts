/**
 * What the MPI launcher tells a process through its environment, read without starting
 * MPI: Open MPI's mpiexec, MPICH's Hydra (and Cray PMI), Slurm's srun, Cray PALS.
 */
export interface LauncherWorld {
  rank: number;
  size: number;
  launcher: string;
}

const SOURCES: readonly (readonly [rank: string, size: string, launcher: string])[] = [
  ['OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE', 'Open MPI mpiexec'],
  ['PMI_RANK', 'PMI_SIZE', 'PMI (MPICH Hydra, Cray PMI)'],
  ['PALS_RANKID', 'PALS_SIZE', 'Cray PALS'],
  ['SLURM_PROCID', 'SLURM_NTASKS', 'Slurm srun'],
];

/** The rank and size this process was launched with, or null when it is a singleton (plain `node app.js`). */
export function launcherWorld(env: NodeJS.ProcessEnv = process.env): LauncherWorld | null {
  for (const [r, s, launcher] of SOURCES) {
    const rank = Number(env[r]);
    const size = Number(env[s]);
    if (
      env[r] !== undefined &&
      env[s] !== undefined &&
      Number.isInteger(rank) &&
      Number.isInteger(size) &&
      size >= 1
    ) {
      return { rank, size, launcher };
    }
  }
  return null;
}

/** Set in rank 0's environment by the static launcher (`futures run`, dist/run.js): executors there use static mode. */
export const STATIC_MARKER = 'FUTURES_MPI_STATIC_CONTROLLER';

export function isStaticController(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[STATIC_MARKER] === '1';
}
