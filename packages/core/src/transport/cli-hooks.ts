/**
 * The CLI's side of the plugin contract: what a transport may give the `futures` command, so
 * that the CLI needs no transport-specific code. See docs/writing-a-transport.md.
 */

/** One command of a transport's own, run as `futures <name> ...args`. */
export interface TransportCommand {
  /** One line for error messages and `futures info`. */
  readonly summary: string;
  /** Runs the command with its arguments; resolves with the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/**
 * Hooks the `futures` CLI uses, so that it needs no transport-specific code.
 * All optional; a transport without them runs `futures run` as a plain child process.
 */
export interface TransportCliHooks {
  /**
   * `futures run -n N`: the command line that starts the program with N workers (mpi:
   * `mpiexec -n N+1 <argv...>`, rank 0 being the program), or null to run `argv` as it is.
   * Called only when the CLI is not already running under this transport's launcher.
   */
  launchCommand?(workers: number, argv: readonly string[]): string[] | null;
  /**
   * True in every process this transport's launcher started (every rank of an
   * `mpiexec -n N futures run ...`, rank 0 included): the CLI then runs the program in its
   * own process instead of a child, since the process (its MPI rank) belongs to the job.
   */
  isLaunched?(): boolean;
  /** True when this process was started by the launcher and is not the controller (an MPI rank > 0 in static mode). */
  isServerProcess?(): boolean;
  /** Serves as a worker until the controller stops it; resolves with the exit code. */
  serve?(): Promise<number>;
  /**
   * The transport's own commands, by name: `futures <name> ...args` runs `commands[name]`
   * with the arguments after the CLI's options (zmq: `worker` joins a running pool with
   * --connect ADDR, `keygen` writes a cluster key). The CLI has a command for each name it
   * documents (`worker`, `keygen`) and asks the chosen transport's provider for it.
   */
  readonly commands?: Readonly<Record<string, TransportCommand>>;
  /** Extra `futures info` lines: versions, what was detected, and why the transport cannot load here. */
  info?(): Promise<{ ok: boolean; lines: string[] }>;
}
