/**
 * Exactly what the addon (build/Release/futures_mpi.node) exports, and how it is loaded.
 * The numeric codes mirror native/events.h, native/wire.h, native/command_queue.h and
 * native/collectives.cc.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MpiUnavailableError } from './errors.js';

/** Event kinds in the `meta` rows of a batch (native/events.h). */
export const EventKind = {
  Ready: 1,
  Frame: 2,
  Sent: 3,
  LinkOpen: 4,
  Bye: 5,
  RankLost: 6,
  Terminate: 7,
  LinkClosed: 8,
  CollectiveDone: 9,
  PingPongDone: 10,
  Error: 11,
  Finalized: 12,
  SessionClose: 13,
  Hello: 14,
} as const;

/** Control message kinds (native/wire.h). */
export const Ctrl = { Hello: 1, Heartbeat: 2, Terminate: 3, SessionClose: 4, PingPong: 5 } as const;

/** send() flags (native/wire.h). */
export const SendFlag = { None: 0, Bye: 2, Dying: 8 } as const;

/** Collective operations (native/command_queue.h). */
export const CollOp = { Barrier: 0, Bcast: 1, Allreduce: 2 } as const;

/** Element types of collective buffers (native/collectives.cc). */
export const DType = {
  Int8: 0,
  Uint8: 1,
  Int16: 2,
  Uint16: 3,
  Int32: 4,
  Uint32: 5,
  Float32: 6,
  Float64: 7,
  BigInt64: 8,
  BigUint64: 9,
} as const;

/** Reductions (native/collectives.cc). */
export const ReduceOp = { sum: 0, prod: 1, max: 2, min: 3, band: 4, bor: 5, bxor: 6 } as const;

/** Values per event row in `meta`: kind, link, rank, session, ticket, a, b, text index (-1: none). */
export const META_STRIDE = 8;

/**
 * One batch of events from the progress thread (see native/completions.cc). For a Frame row,
 * `a` is the index of its head in `views` and `b` the number of buffers that follow it.
 */
export type OnEvents = (meta: Float64Array, views: Uint8Array[], texts: string[]) => void;

export interface NativeStartOptions {
  /** Longest idle sleep of the progress thread (µs). */
  backoffUs: number;
  /** Busy polling after the last activity before sleeping (µs). */
  spinUs?: number;
  heartbeatIntervalMs: number;
  /** A worker silent this long is lost (0: never). */
  heartbeatTimeoutMs: number;
  terminateGraceMs?: number;
}

export interface NativeLibraryInfo {
  flavor: string;
  libraryVersion: string;
  standard: string;
}

/** native hostsInDoubt(): whether every host of a rank lost by heartbeat was seen reachable. */
export const HostDoubt = {
  /** No rank lost by heartbeat, or every such rank's host still answers (the rank died). */
  None: 0,
  /** Still looking (at most 2 heartbeat intervals + 1.5 s after the loss). */
  Pending: 1,
  /** Some such host gave no sign of life: it may be cut off. */
  Unknown: 2,
} as const;
export type HostDoubt = (typeof HostDoubt)[keyof typeof HostDoubt];

export interface NativeAddon {
  readonly limits: { readonly chunkBytes: number; readonly inlineMax: number; readonly pooledMin: number };
  /** Starts the progress thread, which initializes MPI and reports Ready. Once per process. */
  start(onEvents: OnEvents, options: NativeStartOptions): void;
  /** Queues a frame; true when `bufs` (or a large head) are referenced until the Sent event for `ticket`. */
  send(
    link: number,
    dest: number,
    session: number,
    head: Uint8Array,
    bufs: readonly Uint8Array[] | null,
    ticket: number,
    flags: number,
  ): boolean;
  control(link: number, dest: number, kind: number, session: number, a: number, b: number): void;
  spawn(
    ticket: number,
    command: string,
    argv: readonly string[],
    maxprocs: number,
    info: readonly (readonly [string, string])[],
  ): void;
  openWorld(ticket: number, server: boolean): void;
  /** Collective over MPI_COMM_WORLD: a dup of it (color < 0) or the part of its split by color/key that holds this rank. */
  openComm(ticket: number, root: number, color: number, key: number): void;
  closeLink(ticket: number, link: number, terminateWorkers: boolean): void;
  collective(
    ticket: number,
    link: number,
    op: number,
    view: ArrayBufferView | null,
    dtype: number,
    root: number,
    reduceOp: number,
  ): void;
  pingPong(ticket: number, link: number, dest: number, bytes: number, iterations: number): void;
  setBackoff(backoffUs: number): void;
  /** Whether JavaScript expects nothing now (a controller then sleeps long; its next command wakes it). */
  setIdle(idle: boolean): void;
  ref(): void;
  unref(): void;
  /** Ends MPI (blocking, bounded): true when it ended in time. */
  shutdown(timeoutMs: number): boolean;
  /**
   * After a rank was lost by heartbeat: whether its host may be cut off (HostDoubt; see
   * native/progress_reach.cc). 0 until MPI runs and after it ended.
   */
  hostsInDoubt(): HostDoubt;
  /** Works before MPI starts. */
  libraryInfo(): NativeLibraryInfo;
  /** Bytes of receive memory cached for reuse. */
  poolCached(): number;
}

/**
 * How to get the addon built in an application: an MPI with its headers, then the package's
 * install script again (it builds the addon). pnpm runs dependencies' build scripts only
 * once they are approved.
 */
export const INSTALL_HINT =
  'install an MPI with its development files (Debian/Ubuntu: apt-get install libopenmpi-dev, or libmpich-dev; ' +
  'see https://github.com/futures-js/futures/blob/main/docs/transport-mpi.md#installing-an-mpi), then build ' +
  'the addon again: npm rebuild @futures/transport-mpi, or pnpm rebuild @futures/transport-mpi (pnpm runs the ' +
  'build script only once it is approved: pnpm approve-builds, or "@futures/transport-mpi" under ' +
  'onlyBuiltDependencies in pnpm-workspace.yaml, or under "pnpm": { "onlyBuiltDependencies": [...] } in package.json)';

/** Where the addon is: FUTURES_MPI_ADDON, else the package's build/Release. */
export function addonPath(): string {
  return (
    process.env.FUTURES_MPI_ADDON ||
    fileURLToPath(new URL('../build/Release/futures_mpi.node', import.meta.url))
  );
}

const CACHE = Symbol.for('@futures/transport-mpi/native');
type Cache = { [CACHE]?: NativeAddon };

/**
 * Loads the addon once per process (shared by every copy of this package in the process:
 * MPI has one life per process). Throws MpiUnavailableError saying what to install.
 */
export function loadNative(): NativeAddon {
  const g = globalThis as Cache;
  const cached = g[CACHE];
  if (cached) return cached;
  const file = addonPath();
  if (!fs.existsSync(file)) {
    throw new MpiUnavailableError(
      `futures: the MPI transport's native addon is not built (${file} is missing; when the package was installed no MPI was found, or its build failed). Fix: ${INSTALL_HINT}.`,
    );
  }
  turnOffUcxMemoryHooks();
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (error) {
    throw new MpiUnavailableError(
      `futures: the MPI transport's native addon failed to load (${(error as Error).message}); the MPI library it was built against may be gone. Fix: ${INSTALL_HINT}.`,
      { cause: error },
    );
  }
  g[CACHE] = addon;
  return addon;
}

/**
 * UCX (under MPICH's ch4:ucx device and Open MPI's ucx pml) rewrites the machine code of libc's
 * mmap, munmap, madvise and brk when MPI starts ("bistro" memory hooks). Node's other threads
 * (V8's compiler and garbage-collector helpers) call those functions at any moment, and a thread
 * that runs into a half-written patch dies of SIGSEGV: seen here in 2 of 40 MPICH jobs on a
 * loaded 2-core machine, and a race UCX's own hook test knows. The hooks serve only UCX's cache
 * of RDMA memory registrations; without them UCX registers memory per transfer, and jobs stay
 * correct. So unless the user chose (UCX_MEM_EVENTS or UCX_MEM_MMAP_HOOK_MODE set), they are
 * turned off here, before the addon's load runs libucs's constructor, which reads these variables.
 */
function turnOffUcxMemoryHooks(): void {
  if (process.env.UCX_MEM_EVENTS === undefined && process.env.UCX_MEM_MMAP_HOOK_MODE === undefined)
    process.env.UCX_MEM_EVENTS = 'no';
}
