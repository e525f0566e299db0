import type { MpiMode, MpiOptions } from '@futures/core';
import { type OptionSpec, resolveOptions } from '@futures/core/transport';

export type { MpiMode, MpiOptions };
/** @deprecated the name of {@link MpiOptions} before 0.2. */
export type MpiTransportOptions = MpiOptions;

export interface ResolvedMpiOptions {
  mpiMode: MpiMode;
  backoff: number;
  heartbeatTimeout: number;
  spawnInfo: Record<string, string>;
  spawnTimeout: number;
  oversubscribe: boolean;
}

export const MPI_OPTION_SPECS = {
  mpiMode: {
    type: 'string',
    choices: ['auto', 'spawn', 'static'],
    default: 'auto',
    description: 'spawn workers, use the static ranks of `futures run`, or auto',
  },
  backoff: {
    type: 'number',
    min: 0,
    default: 1,
    legacyEnv: 'FUTURES_BACKOFF',
    description: 'longest idle sleep of the MPI progress thread (ms)',
  },
  heartbeatTimeout: {
    type: 'integer',
    min: 0,
    default: 30_000,
    // zmq used FUTURES_HEARTBEAT_TIMEOUT too, with another meaning and default
    retiredEnv: 'FUTURES_HEARTBEAT_TIMEOUT',
    // 30 s: Open MPI notices a lost host only after 8 min (oob TCP keepalive 300 s + 9 x 20 s);
    // heartbeats come from the progress thread, so 30 missed beats means the rank or its link
    // is gone, not a long task. See docs/transport-mpi.md, "Failures across hosts".
    description:
      'ms without a heartbeat before a worker rank is lost, and a static server on another host exits (0: never)',
  },
  spawnInfo: {
    type: 'json',
    shape: 'record',
    default: {},
    example: '{ "host": "node1,node2" }',
    legacyEnv: 'FUTURES_SPAWN_INFO',
    description: 'extra MPI_Info keys for MPI_Comm_spawn (object of strings)',
  },
  spawnTimeout: {
    type: 'integer',
    min: 0,
    default: 60_000,
    legacyEnv: 'FUTURES_SPAWN_TIMEOUT',
    description: 'ms MPI_Comm_spawn may take before the executor gives up (0: never)',
  },
  oversubscribe: {
    type: 'boolean',
    default: true,
    legacyEnv: 'FUTURES_OVERSUBSCRIBE',
    description: 'let a singleton spawn more workers than free cores (Open MPI)',
  },
} as const satisfies { [K in keyof MpiOptions]-?: OptionSpec };

/**
 * Validates options given in code or already validated by core's loader; throws a
 * TypeError/RangeError (code ERR_FUTURES_INVALID_OPTION) naming the option.
 */
export function resolveMpiOptions(options: MpiOptions = {}, label = 'mpi()'): ResolvedMpiOptions {
  return resolveOptions<ResolvedMpiOptions>(options, MPI_OPTION_SPECS, label);
}
