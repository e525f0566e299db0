import type { OptionSpec } from '@futures/core/transport';

/** How executors of this process get their workers. */
export type MpiMode = 'auto' | 'spawn' | 'static';

/** Options of the MPI transport (also FUTURES_<OPTION> environment variables and futures.config.json keys). */
export interface MpiTransportOptions {
  /**
   * `spawn` starts workers with MPI_Comm_spawn; `static` uses ranks 1..N-1 of a job started
   * with `mpiexec -n N futures run app.js`; `auto` is static under that launcher, else spawn.
   * @default "auto"
   */
  mpiMode?: MpiMode;
  /**
   * Longest sleep (ms) of the idle progress thread between polls, like mpi4py's
   * MPI4PY_FUTURES_BACKOFF (which is in seconds): lower is lower latency when idle, higher
   * is less idle CPU. 0 polls without sleeping.
   * @default 1
   */
  backoff?: number;
  /**
   * A worker rank that sends nothing for this long (ms) is declared lost and the executor
   * breaks (workers send a heartbeat every second from their progress thread, even while a
   * task runs). Workers on this machine are also watched by pid. 0 turns the timeout off.
   * @default 30000
   */
  heartbeatTimeout?: number;
  /** Spawn mode: extra MPI_Info keys for MPI_Comm_spawn, e.g. `{ "host": "node1,node2" }` or `{ "hostfile": "hosts" }`. @default none */
  spawnInfo?: Record<string, string>;
  /**
   * Spawn mode: how long (ms) MPI_Comm_spawn may take before the executor gives up with an
   * MpiSpawnTimeoutError (its futures fail, the processes it started are killed). MPI cannot
   * cancel a spawn: MPI is then unusable in this process until it exits. A spawn completes
   * once every worker has called MPI_Init; raise this for very large spawns. 0: wait forever.
   * @default 60000
   */
  spawnTimeout?: number;
  /**
   * Spawn mode from a singleton (`node app.js`): set OMPI_MCA_rmaps_base_oversubscribe=1 when
   * unset, so Open MPI starts more workers than free cores (the controller mostly sleeps).
   * @default true
   */
  oversubscribe?: boolean;
}

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
    description: 'spawn workers, use the static ranks of `futures run`, or auto',
  },
  backoff: { type: 'number', min: 0, description: 'longest idle sleep of the MPI progress thread (ms)' },
  heartbeatTimeout: {
    type: 'integer',
    min: 0,
    description: 'ms without a heartbeat before a worker rank is lost (0: never)',
  },
  spawnInfo: { type: 'json', description: 'extra MPI_Info keys for MPI_Comm_spawn (object of strings)' },
  spawnTimeout: {
    type: 'integer',
    min: 0,
    description: 'ms MPI_Comm_spawn may take before the executor gives up (0: never)',
  },
  oversubscribe: {
    type: 'boolean',
    description: 'let a singleton spawn more workers than free cores (Open MPI)',
  },
} as const satisfies Record<string, OptionSpec>;

export const DEFAULT_MPI_OPTIONS: ResolvedMpiOptions = {
  mpiMode: 'auto',
  backoff: 1,
  heartbeatTimeout: 30_000,
  spawnInfo: {},
  spawnTimeout: 60_000,
  oversubscribe: true,
};

/** Checks options given in code (values from env/config files were validated by core already). */
export function resolveMpiOptions(options: MpiTransportOptions): ResolvedMpiOptions {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('futures: mpi() options must be an object');
  const out = { ...DEFAULT_MPI_OPTIONS };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const spec = (MPI_OPTION_SPECS as Record<string, OptionSpec>)[name];
    if (spec === undefined) {
      throw new TypeError(
        `futures: unknown option "${name}" for the mpi transport; its options are: ${Object.keys(MPI_OPTION_SPECS).join(', ')}.`,
      );
    }
    check(name, spec, value);
    (out as Record<string, unknown>)[name] = value;
  }
  return out;
}

function check(name: string, spec: OptionSpec, v: unknown): void {
  const where = `futures: option "${name}" of the mpi transport`;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') throw new TypeError(`${where} must be a string, got ${typeof v}`);
      if (spec.choices && !spec.choices.includes(v))
        throw new RangeError(`${where} must be one of ${spec.choices.join(', ')}, got "${v}"`);
      return;
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || Number.isNaN(v) || (spec.type === 'integer' && !Number.isInteger(v))) {
        throw new TypeError(
          `${where} must be ${spec.type === 'integer' ? 'an integer' : 'a number'}, got ${String(v)}`,
        );
      }
      if (spec.min !== undefined && v < spec.min)
        throw new RangeError(`${where} must be >= ${spec.min}, got ${v}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw new TypeError(`${where} must be a boolean, got ${typeof v}`);
      return;
    case 'json':
      if (
        typeof v !== 'object' ||
        v === null ||
        Array.isArray(v) ||
        Object.values(v).some((x) => typeof x !== 'string')
      ) {
        throw new TypeError(`${where} must be an object of string values`);
      }
      return;
  }
}
