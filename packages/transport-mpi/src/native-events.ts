/**
 * The addon's events, decoded. The progress thread reports each event as a row of numbers
 * (native/completions.cc: kind, channel, rank, session, ticket, a, b, text index) whose
 * meaning depends on the kind (native/events.h says which); decodeEvent reads a row once,
 * here, into an event with named fields, and nothing else reads the raw rows.
 */
import type { Frame } from '@futures/core/transport';
import { EventKind } from './native.js';

/** Numbers per event row in `meta`. */
export const META_STRIDE = 8;

/** MPI is initialized (once per process). */
export interface ReadyEvent {
  readonly kind: 'ready';
  /** This process's rank in MPI_COMM_WORLD, and its size. */
  readonly worldRank: number;
  readonly worldSize: number;
  /** MPI_UNIVERSE_SIZE (processes the job may have in all), or null where the MPI does not set it. */
  readonly universeSize: number | null;
  /** The channel to the parent, in a process started by MPI_Comm_spawn; else -1. */
  readonly parentChannel: number;
  /** The MPI thread level provided. */
  readonly threadLevel: number;
  /** MPI_Get_library_version. */
  readonly library: string;
}

/** A frame from `rank` of `channel`, for `session`. */
export interface FrameEvent {
  readonly kind: 'frame';
  readonly channel: number;
  readonly rank: number;
  readonly session: number;
  readonly frame: Frame;
}

/** The send with this ticket left: its buffers may go. */
export interface SentEvent {
  readonly kind: 'sent';
  readonly ticket: number;
}

/** The answer to spawn, openWorld or openComm. */
export interface ChannelOpenEvent {
  readonly kind: 'channelOpen';
  readonly ticket: number;
  /** The channel opened; -1 when it failed (then `error` says why). */
  readonly channel: number;
  /** This process's rank in the channel's communicator (0 for a spawning controller). */
  readonly localRank: number;
  /** The communicator's size (the spawned workers, for an intercommunicator). */
  readonly size: number;
  readonly error: string | undefined;
}

/** `rank` of `channel` closed `session` (after its last results). */
export interface ByeEvent {
  readonly kind: 'bye';
  readonly channel: number;
  readonly rank: number;
  readonly session: number;
}

/** `rank` of `channel` is gone. */
export interface RankLostEvent {
  readonly kind: 'rankLost';
  readonly channel: number;
  readonly rank: number;
  /** Its pid (0: never said hello). */
  readonly pid: number;
  /** Lost because it sent nothing for the heartbeat timeout (its host may be unreachable), not seen to exit. */
  readonly byHeartbeatTimeout: boolean;
  readonly reason: string;
}

/** Worker side: the controller of `channel` ended it. */
export interface TerminateEvent {
  readonly kind: 'terminate';
  readonly channel: number;
}

/** `channel` was closed: the answer to closeChannel (`ticket`), or 0 when the controller ended it (worker side). */
export interface ChannelClosedEvent {
  readonly kind: 'channelClosed';
  readonly ticket: number;
  readonly channel: number;
}

/** The answer to collective(). */
export interface CollectiveDoneEvent {
  readonly kind: 'collectiveDone';
  readonly ticket: number;
  readonly error: string | undefined;
}

/** The answer to pingPong(): `iterations` round trips took `seconds`. */
export interface PingPongDoneEvent {
  readonly kind: 'pingPongDone';
  readonly ticket: number;
  readonly seconds: number;
  readonly iterations: number;
  readonly error: string | undefined;
}

/** An MPI failure not tied to a request. */
export interface ErrorEvent {
  readonly kind: 'error';
  readonly message: string;
}

/** MPI_Finalize ran; the progress thread is ending. */
export interface FinalizedEvent {
  readonly kind: 'finalized';
}

/** Worker side: the controller dropped `session` on `channel` (forced stop). */
export interface SessionCloseEvent {
  readonly kind: 'sessionClose';
  readonly channel: number;
  readonly session: number;
}

/** `rank` of `channel` said hello. */
export interface HelloEvent {
  readonly kind: 'hello';
  readonly channel: number;
  readonly rank: number;
  readonly pid: number;
  /** "hostname|pid-namespace". */
  readonly host: string;
}

export type NativeEvent =
  | ReadyEvent
  | FrameEvent
  | SentEvent
  | ChannelOpenEvent
  | ByeEvent
  | RankLostEvent
  | TerminateEvent
  | ChannelClosedEvent
  | CollectiveDoneEvent
  | PingPongDoneEvent
  | ErrorEvent
  | FinalizedEvent
  | SessionCloseEvent
  | HelloEvent;

/** The events that answer a request (by its ticket). */
export type AnswerEvent = ChannelOpenEvent | ChannelClosedEvent | CollectiveDoneEvent | PingPongDoneEvent;
export type AnswerKind = AnswerEvent['kind'];
export type AnswerOf<K extends AnswerKind> = Extract<AnswerEvent, { kind: K }>;

/**
 * Decodes the row at `i` of a batch (`meta`, with its `views` and `texts`); undefined for a
 * kind this package does not know. A frame costs what it did as a raw row: one event object,
 * its Frame and its array of buffers.
 */
export function decodeEvent(
  meta: Float64Array,
  i: number,
  views: readonly Uint8Array[],
  texts: readonly string[],
): NativeEvent | undefined {
  const kind = meta[i]!;
  const channel = meta[i + 1]!;
  const rank = meta[i + 2]!;
  const session = meta[i + 3]!;
  const ticket = meta[i + 4]!;
  const a = meta[i + 5]!;
  const b = meta[i + 6]!;
  const t = meta[i + 7]!;
  const text = t >= 0 ? texts[t] : undefined;
  switch (kind) {
    case EventKind.Frame:
      // a: the index of the head in `views`; b: how many buffers follow it
      return {
        kind: 'frame',
        channel,
        rank,
        session,
        frame: { head: views[a]!, bufs: views.slice(a + 1, a + 1 + b) },
      };
    case EventKind.Sent:
      return { kind: 'sent', ticket };
    case EventKind.Bye:
      return { kind: 'bye', channel, rank, session };
    case EventKind.Ready:
      return {
        kind: 'ready',
        worldRank: a,
        worldSize: b,
        universeSize: session > 0 ? session : null,
        parentChannel: channel,
        threadLevel: ticket,
        library: text ?? '',
      };
    case EventKind.ChannelOpen:
      return {
        kind: 'channelOpen',
        ticket,
        channel,
        localRank: a,
        size: b,
        error: channel < 0 ? (text ?? '') : undefined,
      };
    case EventKind.ChannelClosed:
      return { kind: 'channelClosed', ticket, channel };
    case EventKind.CollectiveDone:
      return { kind: 'collectiveDone', ticket, error: text };
    case EventKind.PingPongDone:
      return { kind: 'pingPongDone', ticket, seconds: a, iterations: b, error: text };
    case EventKind.Hello:
      return { kind: 'hello', channel, rank, pid: a, host: text ?? '' };
    case EventKind.RankLost:
      return {
        kind: 'rankLost',
        channel,
        rank,
        pid: a,
        byHeartbeatTimeout: b === 1,
        reason: text ?? 'it died',
      };
    case EventKind.Terminate:
      return { kind: 'terminate', channel };
    case EventKind.SessionClose:
      return { kind: 'sessionClose', channel, session };
    case EventKind.Finalized:
      return { kind: 'finalized' };
    case EventKind.Error:
      return { kind: 'error', message: text ?? '' };
    default:
      return undefined;
  }
}
