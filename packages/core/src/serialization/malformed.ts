/**
 * The error every decoder throws on bytes it cannot read: a truncated frame, a length that
 * claims more than the frame holds, an unknown tag, or a message of the wrong shape. A
 * RangeError (as before) with a stable code; the scheduler and the worker runtime drop the
 * frame, count it (`stats().malformedFrames`) and say so in a rate-limited warning.
 */
export class MalformedFrameError extends RangeError {
  override readonly name = 'MalformedFrameError';
  readonly code = 'ERR_FUTURES_MALFORMED_FRAME';
}
