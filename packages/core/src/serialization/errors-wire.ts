import { RemoteError } from '../errors.js';

/**
 * Errors on the wire. A thrown value becomes a plain record (name, message, stack, code,
 * own enumerable properties, cause chain) that the value codec can always encode; the
 * controller rebuilds an Error of the same name, with the remote stack and the worker's
 * identity in a RemoteError set as its `cause`.
 */

export interface WireError {
  /** false when the thrown value was not an Error (a string, a number, an object). */
  isError: boolean;
  name: string;
  message: string;
  stack: string;
  /** Own enumerable properties (code, errno, custom fields), each encodable or stringified. */
  props: Record<string, unknown>;
  cause?: WireError | undefined;
  /** The thrown value itself when it was not an Error. */
  value?: unknown;
}

export interface WorkerIdentity {
  workerId: number;
  host: string;
  pid: number;
}

const MAX_CAUSE_DEPTH = 8;

function encodableOrString(v: unknown): unknown {
  if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) return v;
  try {
    return structuredClone(v);
  } catch {
    return String(v);
  }
}

export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return {
      isError: false,
      name: 'Error',
      message: String(thrown),
      stack: '',
      props: {},
      value: encodableOrString(thrown),
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'cause' || key === 'stack' || key === 'message') continue;
    props[key] = encodableOrString((thrown as unknown as Record<string, unknown>)[key]);
  }
  // `name` and `code` usually live on the prototype or as class fields: keep them either way.
  const code = (thrown as { code?: unknown }).code;
  if (code !== undefined && !('code' in props)) props.code = encodableOrString(code);
  const out: WireError = {
    isError: true,
    name: String(thrown.name),
    message: String(thrown.message),
    stack: String(thrown.stack ?? ''),
    props,
  };
  if (thrown.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = toWireError(thrown.cause, depth + 1);
  return out;
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Rebuilds the caller-side error: same name/message/props, RemoteError (worker, host, stack) as cause. */
export function fromWireError(wire: WireError, who: WorkerIdentity): unknown {
  if (!wire.isError) return wire.value;
  const error = rebuild(wire);
  const remote = new RemoteError(
    `${wire.name} in worker ${who.workerId} on ${who.host} (pid ${who.pid})`,
    who.workerId,
    who.host,
    who.pid,
    wire.stack,
    wire.cause === undefined
      ? undefined
      : { cause: wire.cause.isError ? rebuild(wire.cause) : wire.cause.value },
  );
  Object.defineProperty(error, 'cause', {
    value: remote,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return error;
}

function rebuild(wire: WireError): Error {
  const Ctor = BUILTIN_ERRORS[wire.name] ?? Error;
  const error = new Ctor(wire.message);
  if (error.name !== wire.name) {
    Object.defineProperty(error, 'name', {
      value: wire.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  error.stack = wire.stack || `${wire.name}: ${wire.message}`;
  for (const [key, value] of Object.entries(wire.props)) {
    if (key === 'name') continue;
    (error as unknown as Record<string, unknown>)[key] = value;
  }
  if (wire.cause !== undefined) {
    const cause = wire.cause.isError ? rebuild(wire.cause) : wire.cause.value;
    Object.defineProperty(error, 'cause', {
      value: cause,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}
