import { FuturesError } from '@futures/core/transport';

/** Errors of the MPI transport. Each has a stable `name` and `code` (`ERR_FUTURES_MPI_*`). */

/** The addon is not built or cannot load (no MPI on this machine). */
export class MpiUnavailableError extends FuturesError {
  override readonly name = 'MpiUnavailableError';
  readonly code = 'ERR_FUTURES_MPI_UNAVAILABLE';
}

/** An MPI operation failed (spawn, communicator creation, a collective). */
export class MpiError extends FuturesError {
  override readonly name = 'MpiError';
  readonly code = 'ERR_FUTURES_MPI';
}

/**
 * MPI_Comm_spawn did not complete within `spawnTimeout`: a worker never finished MPI_Init
 * (seen with Open MPI 4.1 and PMIx 4.2, whose spawn can hang). MPI cannot cancel a spawn:
 * MPI stays unusable in this process until it exits.
 */
export class MpiSpawnTimeoutError extends FuturesError {
  override readonly name = 'MpiSpawnTimeoutError';
  readonly code = 'ERR_FUTURES_MPI_SPAWN_TIMEOUT';
}

/** A rank this process talks to died (an MPI job cannot continue without it). */
export class MpiRankLostError extends FuturesError {
  override readonly name = 'MpiRankLostError';
  readonly code = 'ERR_FUTURES_MPI_RANK_LOST';
  constructor(
    message: string,
    readonly rank: number,
    readonly pid: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
