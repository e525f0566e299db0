import { RemoteError } from '../errors.js';
import { registeredClass, registeredNameOf } from './classes.js';

/**
 * Errors on the wire. A thrown value becomes a plain record (name, message, stack, code,
 * own enumerable properties, cause chain, and its class's registered name) that the value
 * codec can always encode; the controller rebuilds an error of the same name, of the same
 * class when that class is registered on its side too (registerClass), with the remote
 * stack and the worker's identity in a RemoteError set as its `remote` property. Its own
 * `cause` stays the task's.
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
  /** The registered name of the error's class (registerClass), when it has one. */
  cls?: string;
}

export interface WorkerIdentity {
  workerId: number;
  host: string;
  pid: number;
}

const MAX_CAUSE_DEPTH = 8;

/**
 * Whether a decoded value has the shape of a WireError (a frame's bytes decide it, so a
 * malformed or hostile frame must be refused before anything is settled with it).
 */
export function isWireError(v: unknown, depth = 0): v is WireError {
  if (typeof v !== 'object' || v === null || depth > MAX_CAUSE_DEPTH + 1) return false;
  const w = v as Record<string, unknown>;
  if (typeof w.isError !== 'boolean') return false;
  if (!w.isError) return true; // only `value` is read
  if (typeof w.name !== 'string' || typeof w.message !== 'string' || typeof w.stack !== 'string')
    return false;
  if (typeof w.props !== 'object' || w.props === null) return false;
  if (w.cls !== undefined && typeof w.cls !== 'string') return false;
  return w.cause === undefined || isWireError(w.cause, depth + 1);
}

function encodableOrString(v: unknown): unknown {
  if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) return v;
  try {
    return structuredClone(v);
  } catch {
    return safeString(v);
  }
}

/** String(v), or its tag when that throws (a null-prototype object, a throwing toString). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return {
      isError: false,
      name: 'Error',
      message: safeString(thrown),
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
    name: safeString(thrown.name),
    message: safeString(thrown.message),
    stack: safeString(thrown.stack ?? ''),
    props,
  };
  const cls = registeredNameOf(thrown);
  if (cls !== undefined) out.cls = cls;
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

/**
 * Rebuilds the caller-side error: same class when registered here (else a built-in one of
 * the same name, else Error), name, message, properties and cause chain; the worker's
 * identity and remote stack as a RemoteError in its `remote` property.
 */
export function fromWireError(wire: WireError, who: WorkerIdentity): unknown {
  if (!wire.isError) return wire.value;
  const error = rebuild(wire);
  const remote = new RemoteError(
    `${wire.name} in worker ${who.workerId} on ${who.host} (pid ${who.pid})`,
    who.workerId,
    who.host,
    who.pid,
    wire.stack,
  );
  Object.defineProperty(error, 'remote', {
    value: remote,
    writable: true,
    configurable: true,
    enumerable: true,
  });
  return error;
}

function hidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

function rebuild(wire: WireError): Error {
  const Registered = wire.cls === undefined ? undefined : registeredClass(wire.cls);
  let error: Error;
  if (Registered !== undefined && Registered.prototype instanceof Error) {
    // its class, without running its constructor (which may need arguments we do not have)
    error = Object.create(Registered.prototype as object) as Error;
    hidden(error, 'message', wire.message);
  } else {
    error = new (BUILTIN_ERRORS[wire.name] ?? Error)(wire.message);
  }
  if (error.name !== wire.name) hidden(error, 'name', wire.name);
  hidden(error, 'stack', wire.stack || `${wire.name}: ${wire.message}`);
  for (const [key, value] of Object.entries(wire.props)) {
    if (key === 'name') continue;
    // defined, not assigned: a `__proto__` prop from the wire must not replace the prototype
    Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: true });
  }
  if (wire.cause !== undefined)
    hidden(error, 'cause', wire.cause.isError ? rebuild(wire.cause) : wire.cause.value);
  return error;
}
