/**
 * The transport's own envelope around core's Frames. Every ZeroMQ message between a worker's
 * DEALER and the controller's ROUTER is: [kind (1 byte), ...body]. A core Frame travels as
 * [FRAME, head, ...bufs]: each out-of-band buffer is its own message part, sent from its own
 * memory (zero-copy above 128 bytes) and received as its own buffer.
 */
export enum Kind {
  /** worker → controller: join request; body: JSON HelloInfo. */
  Hello = 1,
  /** controller → worker: joined; body: JSON WelcomeInfo. */
  Welcome = 2,
  /** both ways: a core Frame; body: head, ...bufs. */
  Frame = 3,
  /** controller → worker: liveness probe (a send to a vanished peer fails at once). */
  Ping = 4,
  /** worker → controller: leaving (after core's stop, or on request). */
  Bye = 5,
  /** controller → worker: the link is over; body: reason text. */
  Goodbye = 6,
  /** controller → worker: a message arrived from a connection with no link. */
  Reset = 7,
  /** worker → controller: it is about to die of an uncaught error; body: the error's text and stack. */
  Dying = 8,
}

export const PROTOCOL_VERSION = 1;

export interface HelloInfo {
  v: number;
  host: string;
  pid: number;
  /** Set by workers this controller started itself, to tie the process to the link. */
  token?: string;
  /**
   * The largest message the worker's socket accepts (its --max-message-bytes). A controller
   * whose own limit is larger refuses the worker: a bigger task frame would make libzmq drop
   * the worker's connection, and the task would be lost. Absent from older workers.
   */
  maxMessageBytes?: number;
}

export interface WelcomeInfo {
  workerId: number;
}

const KIND_PARTS: Buffer[] = [];
for (let k = 0; k < 9; k++) KIND_PARTS.push(Buffer.from([k]));

/** The one-byte first part for a kind (shared, never mutated). */
export function kindPart(kind: Kind): Buffer {
  return KIND_PARTS[kind]!;
}

export function jsonPart(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Parses a small JSON body; null when it is not an object. */
export function parseJsonPart(part: Uint8Array | undefined, maxBytes = 4096): Record<string, unknown> | null {
  if (part === undefined || part.byteLength > maxBytes) return null;
  try {
    const v = JSON.parse(
      Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8'),
    ) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A received part as a plain Uint8Array over the same memory (no copy). */
export function plain(part: Buffer): Uint8Array {
  return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
}

/**
 * The Goodbye reason a controller sends to a worker that joins while the pool shuts down:
 * a normal end for the worker (exit 0, nothing on stderr), not a refusal.
 */
export const SHUTTING_DOWN = 'the pool is shutting down';

/** Why a controller refuses a worker's Hello (the Goodbye reason and what to log), or null. */
export function helloRefusal(
  info: Partial<HelloInfo> | null,
  maxMessageBytes: number,
  stopping: boolean,
): { reason: string; log?: { category: string; text: string } } | null {
  if (info === null || info.v !== PROTOCOL_VERSION) {
    return {
      reason: `protocol version mismatch: the controller speaks version ${PROTOCOL_VERSION}`,
      log: {
        category: 'malformed',
        text: 'refused a worker that speaks another protocol version (mixed package versions?)',
      },
    };
  }
  if (stopping) return { reason: SHUTTING_DOWN };
  if (typeof info.maxMessageBytes === 'number' && info.maxMessageBytes < maxMessageBytes) {
    const host = typeof info.host === 'string' ? info.host.slice(0, 255) : '?';
    return {
      reason:
        `its --max-message-bytes (${info.maxMessageBytes}) is below the pool's message limit (${maxMessageBytes}): ` +
        `start it with --max-message-bytes ${maxMessageBytes} or more, or lower the pool's maxMessageBytes`,
      log: {
        category: 'limit',
        text: `refused a worker on ${host} that accepts messages of at most ${info.maxMessageBytes} bytes, below this pool's ${maxMessageBytes}`,
      },
    };
  }
  return null;
}
