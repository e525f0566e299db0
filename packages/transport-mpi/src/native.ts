/**
 * Exactly what the addon (build/Release/futures_mpi.node) exports, and how it is loaded.
 * The numeric codes below are the addon's too: it exports its own tables (`enums`, built
 * from the one definition of each enum in native/), and loadNative() checks them against
 * these with assertEnumTables before anything uses the addon.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MpiUnavailableError } from './errors.js';

/** Event kinds in the `meta` rows of a batch (native/events.h); decodeEvent reads them. */
export const EventKind = {
  Ready: 1,
  Frame: 2,
  Sent: 3,
  ChannelOpen: 4,
  Bye: 5,
  RankLost: 6,
  Terminate: 7,
  ChannelClosed: 8,
  CollectiveDone: 9,
  PingPongDone: 10,
  Error: 11,
  Finalized: 12,
  SessionClose: 13,
  Hello: 14,
} as const;

/** Control message kinds (native/wire.h). */
export const Ctrl = { Hello: 1, Heartbeat: 2, Terminate: 3, SessionClose: 4, PingPong: 5 } as const;

/** Frame flags (native/wire.h); JavaScript sends only Bye and Dying (SendFlag). */
export const FrameFlag = { HeadAsData: 1, Bye: 2, Final: 4, Dying: 8 } as const;

/** send() flags. */
export const SendFlag = { None: 0, Bye: FrameFlag.Bye, Dying: FrameFlag.Dying } as const;

/** Collective operations (native/command_queue.h). */
export const CollOp = { Barrier: 0, Bcast: 1, Allreduce: 2 } as const;

/** Element types of collective buffers (native/collectives.h). */
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

/** Reductions (native/collectives.h). */
export const ReduceOp = { sum: 0, prod: 1, max: 2, min: 3, band: 4, bor: 5, bxor: 6 } as const;

/** native hostsInDoubt(): whether every host of a rank lost by heartbeat was seen reachable (native/host_doubts.h). */
export const HostDoubt = {
  /** No rank lost by heartbeat, or every such rank's host still answers (the rank died). */
  None: 0,
  /** Still looking (at most 2 heartbeat intervals + 1.5 s after the loss). */
  Pending: 1,
  /** Some such host gave no sign of life: it may be cut off. */
  Unknown: 2,
} as const;
export type HostDoubt = (typeof HostDoubt)[keyof typeof HostDoubt];

/** An enum as a table: member name -> code. */
export type EnumTable = Readonly<Record<string, number>>;

/** Every enum TypeScript shares with the addon, keyed as the addon's `enums` export. */
export const DECLARED_ENUMS: Readonly<Record<string, EnumTable>> = {
  eventKind: EventKind,
  ctrl: Ctrl,
  frameFlag: FrameFlag,
  collOp: CollOp,
  dtype: DType,
  reduceOp: ReduceOp,
  hostDoubt: HostDoubt,
};

/** What to run when the addon does not match this package's TypeScript. */
export const REBUILD_HINT =
  'the addon build is stale: rebuild it (in this repository: pnpm --filter @futures/transport-mpi build; ' +
  'where the package is installed: npm rebuild @futures/transport-mpi, or pnpm rebuild @futures/transport-mpi)';

/**
 * Checks that the addon's enum tables (`exported`, its `enums`) equal what TypeScript
 * declares: same tables, same members, same codes. Throws MpiUnavailableError naming the
 * enum, the member and both values otherwise (a stale addon build would mix up codes).
 */
export function assertEnumTables(declared: Readonly<Record<string, EnumTable>>, exported: unknown): void {
  const stale = (what: string) =>
    new MpiUnavailableError(
      `futures: the MPI transport's native addon does not match this package (${what}); ${REBUILD_HINT}.`,
    );
  if (typeof exported !== 'object' || exported === null) throw stale('it exports no enum tables');
  const tables = exported as Record<string, unknown>;
  for (const [name, table] of Object.entries(declared)) {
    const native = tables[name];
    if (typeof native !== 'object' || native === null) throw stale(`it exports no enum ${name}`);
    const codes = native as Record<string, unknown>;
    for (const [member, value] of Object.entries(table)) {
      if (codes[member] !== value)
        throw stale(
          `enum ${name}: ${member} is ${value} in TypeScript but ${codes[member] === undefined ? 'missing' : String(codes[member])} in the addon`,
        );
    }
    for (const [member, value] of Object.entries(codes))
      if (!(member in table))
        throw stale(`enum ${name}: ${member} is ${String(value)} in the addon but missing in TypeScript`);
  }
  for (const name of Object.keys(tables))
    if (!(name in declared))
      throw stale(`the addon exports an enum ${name} that TypeScript does not declare`);
}

/**
 * One batch of events from the progress thread (see native/completions.cc): a row of
 * META_STRIDE numbers per event in `meta`, read by decodeEvent (native-events.ts).
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

export interface NativeAddon {
  readonly limits: { readonly chunkBytes: number; readonly inlineMax: number; readonly pooledMin: number };
  /** The addon's enum tables (see DECLARED_ENUMS), checked at load. */
  readonly enums: unknown;
  /** Starts the progress thread, which initializes MPI and reports Ready. Once per process. */
  start(onEvents: OnEvents, options: NativeStartOptions): void;
  /** Queues a frame; true when `bufs` (or a large head) are referenced until the Sent event for `ticket`. */
  send(
    channel: number,
    dest: number,
    session: number,
    head: Uint8Array,
    bufs: readonly Uint8Array[] | null,
    ticket: number,
    flags: number,
  ): boolean;
  control(channel: number, dest: number, kind: number, session: number, a: number, b: number): void;
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
  closeChannel(ticket: number, channel: number, terminateWorkers: boolean): void;
  collective(
    ticket: number,
    channel: number,
    op: number,
    view: ArrayBufferView | null,
    dtype: number,
    root: number,
    reduceOp: number,
  ): void;
  pingPong(ticket: number, channel: number, dest: number, bytes: number, iterations: number): void;
  setBackoff(backoffUs: number): void;
  /** Whether JavaScript expects nothing now (a controller then sleeps long; its next command wakes it). */
  setIdle(idle: boolean): void;
  ref(): void;
  unref(): void;
  /** Ends MPI (blocking, bounded): true when it ended in time. */
  shutdown(timeoutMs: number): boolean;
  /**
   * After a rank was lost by heartbeat: whether its host may be cut off (HostDoubt; see
   * native/host_doubts.h). 0 until MPI runs and after it ended.
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
 * MPI has one life per process). Throws MpiUnavailableError saying what to install, or
 * what to rebuild when the addon build does not match this package (assertEnumTables).
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
  assertEnumTables(DECLARED_ENUMS, addon.enums);
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
