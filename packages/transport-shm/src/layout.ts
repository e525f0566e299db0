/**
 * Memory layout of one controller↔worker link, shared by both sides.
 *
 * A link is one SharedArrayBuffer: a control block of Int32 slots, then two rings:
 *
 *   [ control block: CONTROL_BYTES ][ to-worker ring: ringBytes ][ to-controller ring: ringBytes ]
 *
 * Each ring is a lock-free single-producer/single-consumer byte pipe. Its producer owns
 * HEAD (bytes ever written, mod 2^32) and its consumer owns TAIL (bytes ever consumed);
 * used = (HEAD - TAIL) >>> 0, so a ring holds at most 2^31 bytes. ringBytes is a power of
 * two: a position's offset in the ring is `pos & (ringBytes - 1)`.
 *
 * The controller additionally shares one small SharedArrayBuffer with every worker (the
 * controller bell), so that a single Atomics.waitAsync covers all links.
 *
 * Every slot sits on its own 64-byte cache line: the two sides write different slots and
 * must not invalidate each other's lines on every store.
 */

/** Int32 slots per 64-byte cache line. */
const LINE = 16;

// ---- Link control block (Int32 indexes) ----

/** to-worker ring: bytes written by the controller (producer). */
export const TO_WORKER_HEAD = 0 * LINE;
/** to-worker ring: bytes consumed by the worker (consumer). */
export const TO_WORKER_TAIL = 1 * LINE;
/** to-controller ring: bytes written by the worker (producer). */
export const TO_CTRL_HEAD = 2 * LINE;
/** to-controller ring: bytes consumed by the controller (consumer). */
export const TO_CTRL_TAIL = 3 * LINE;
/** The worker's doorbell: a counter the controller bumps (then notifies) to wake the worker. */
export const WORKER_BELL = 4 * LINE;
/** Set to 1 by the worker before it waits for input; the controller swaps it to 0 and rings. */
export const WORKER_WAITING = 5 * LINE;
/** Set to 1 by the worker while its writes wait for room in the to-controller ring. */
export const WORKER_WANTS_SPACE = 6 * LINE;
/** Set to 1 by the controller while its writes wait for room in the to-worker ring. */
export const CTRL_WANTS_SPACE = 7 * LINE;
/** Bytes of the control block; the rings start here (a multiple of 64). */
export const CONTROL_BYTES = 8 * LINE * 4;

// ---- Controller bell (one SharedArrayBuffer shared by all links) ----

/** The controller's doorbell: any worker bumps it (then notifies) to wake the controller. */
export const CTRL_BELL = 0;
/** Set to 1 by the controller before it waits; a worker swaps it to 0 and rings. */
export const CTRL_WAITING = 1 * LINE;
/** Bytes of the controller bell buffer. */
export const CTRL_BELL_BYTES = 2 * LINE * 4;

// ---- Frames in a ring ----

/**
 * A frame in the byte stream is a prefix, then its head, then each out-of-band buffer that
 * travels through the ring. Every part starts on an 8-byte boundary (lengths are padded),
 * so no prefix field ever straddles the end of the ring, and copies stay aligned.
 *
 *   prefix: i32 headLen, i32 nbufs, nbufs × f64 bufLen
 *
 * headLen = WHOLE_FRAME_ON_PORT: the whole frame was posted on the link's MessagePort (only
 * for frames whose prefix would not fit in half a ring). bufLen = BUF_ON_PORT: that buffer
 * was moved over the MessagePort (transfer()), not through the ring. Port messages are
 * posted before the prefix that refers to them is written, so the reader finds them with
 * receiveMessageOnPort, in order, without waiting.
 */
export const PREFIX_FIXED_BYTES = 8;
export const PREFIX_BYTES_PER_BUF = 8;
export const WHOLE_FRAME_ON_PORT = -1;
export const BUF_ON_PORT = -1;

/** Rounds a byte count up to the ring's 8-byte granule. */
export function pad8(n: number): number {
  const r = n % 8;
  return r === 0 ? n : n + 8 - r;
}

/** What the controller hands a new worker thread (workerData). */
export interface WorkerBootData {
  /** The link's SharedArrayBuffer (layout above). */
  link: SharedArrayBuffer;
  /** The controller bell SharedArrayBuffer. */
  bell: SharedArrayBuffer;
  ringBytes: number;
  /** `@futures/core/worker`'s URL. */
  runtimeUrl: string;
  /** How TypeScript task modules are loaded: "auto", "always" or "off". */
  typescript: string;
  /** Result buffers of at least this many bytes are copied once and moved, not streamed through the ring. */
  largeResultBytes: number;
  workerId: number;
}
