/**
 * What the MPI launcher tells a process through its environment, read without starting
 * MPI: Open MPI's mpiexec, MPICH's Hydra (and Cray PMI), Slurm's srun, Cray PALS.
 */
export interface LauncherWorld {
  rank: number;
  size: number;
  launcher: string;
}

/** Environment variables, as `process.env` holds them (a type of our own: no Node types in the published typings). */
export type Environment = Record<string, string | undefined>;

const SOURCES: readonly (readonly [rank: string, size: string, launcher: string])[] = [
  ['OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE', 'Open MPI mpiexec'],
  ['PMI_RANK', 'PMI_SIZE', 'PMI (MPICH Hydra, Cray PMI)'],
  ['PALS_RANKID', 'PALS_SIZE', 'Cray PALS'],
  ['SLURM_PROCID', 'SLURM_NTASKS', 'Slurm srun'],
];

/** The rank and size this process was launched with, or null when it is a singleton (plain `node app.js`). */
export function launcherWorld(env: Readonly<Environment> = process.env): LauncherWorld | null {
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

export function isStaticController(env: Readonly<Environment> = process.env): boolean {
  return env[STATIC_MARKER] === '1';
}

/**
 * Before MPI starts in a singleton (plain `node app.js`, which spawns its workers): the
 * environment defaults Open MPI and PMIx need there, each only where the user set nothing.
 */
export function applySingletonDefaults(oversubscribe: boolean, env: Environment = process.env): void {
  if (launcherWorld(env) !== null) return;
  if (oversubscribe && env.OMPI_MCA_rmaps_base_oversubscribe === undefined) {
    // The spawned workers share this machine with the controller: let Open MPI start more
    // processes than free cores (the controller mostly sleeps).
    env.OMPI_MCA_rmaps_base_oversubscribe = '1';
  }
  if (env.PMIX_MCA_gds === undefined) {
    // With Debian's Open MPI 4.1.4 and PMIx 4.2.2, a spawned worker sometimes waits forever
    // for its job data inside MPI_Init (PMIx_Init), and MPI_Comm_spawn with it: 2 of 2 full
    // test runs hung that way here. With PMIx's plain hash datastore instead of its
    // shared-memory ones (ds12/ds21), none of the runs since did.
    env.PMIX_MCA_gds = 'hash';
  }
}
