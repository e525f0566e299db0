import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { FuturesError } from '@futures/core/transport';

/**
 * Cluster keys. One secret (32 random bytes, written `fzk1.<base64url>`) is shared by the
 * controller and its workers. Two CURVE key pairs are derived from it with HKDF: the
 * controller's (server) and the workers' (client). A worker only completes the CURVE handshake
 * with a server that holds the server secret; the controller's ZAP handler only admits clients
 * whose public key is the derived client key. Both sides must therefore hold the secret:
 * mutual authentication, and every message is encrypted and authenticated by CURVE.
 * Secrets and raw keys are Uint8Arrays in the API (no Node types in the published typings).
 */

const PREFIX = 'fzk1.';
const SECRET_BYTES = 32;

/** A cluster key or key file that cannot be used (its text names the problem and the fix). */
export class KeyError extends FuturesError {
  override readonly name = 'KeyError';
  readonly code = 'ERR_FUTURES_ZMQ_KEY';
}

/** A new random cluster key, as the text `futures keygen` prints. */
export function keygen(): string {
  return PREFIX + crypto.randomBytes(SECRET_BYTES).toString('base64url');
}

/** The file content `futures keygen -o FILE` writes. */
export function keyFileText(key: string = keygen()): string {
  return (
    '# futures ZeroMQ cluster key: keep it secret (chmod 600). Give the same file to the controller\n' +
    '# (keyFile option / FUTURES_ZMQ_KEY_FILE) and to every worker (futures worker --key-file FILE).\n' +
    `${key}\n`
  );
}

/** Writes a new key file readable by its owner only; refuses to overwrite an existing file. */
export function writeKeyFile(path: string, key: string = keygen()): void {
  fs.writeFileSync(path, keyFileText(key), { mode: 0o600, flag: 'wx' });
}

/** Parses a key (`fzk1.` + 43 base64url characters) into its 32 secret bytes. */
export function parseKey(text: string, source: string): Uint8Array {
  const key = text.trim();
  const raw = key.startsWith(PREFIX) ? Buffer.from(key.slice(PREFIX.length), 'base64url') : null;
  if (raw === null || raw.length !== SECRET_BYTES || raw.toString('base64url') !== key.slice(PREFIX.length)) {
    throw new KeyError(
      `futures zmq: ${source} does not hold a valid key (expected ${PREFIX} followed by 43 base64url characters). ` +
        'Fix: make one with `futures keygen -o FILE`.',
    );
  }
  return raw;
}

/** Reads a key file (comment lines start with #); warns when others can read it. */
export function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeyError(`futures zmq: cannot read key file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    if ((fs.statSync(path).mode & 0o077) !== 0) {
      process.emitWarning(`futures zmq: key file ${path} can be read by other users; run chmod 600 ${path}`);
    }
  } catch {
    // the read above succeeded; a stat failure here is not worth failing for
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length !== 1) throw new KeyError(`futures zmq: key file ${path} must hold exactly one key line`);
  return parseKey(lines[0]!, `key file ${path}`);
}

/** The secret from `key` or `keyFile` (at most one), or null. */
export function loadSecret(key: string | null, keyFile: string | null, source = 'option'): Uint8Array | null {
  if (key !== null && keyFile !== null) {
    throw new KeyError(`futures zmq: give either a key or a key file (${source}), not both`);
  }
  if (key !== null) return parseKey(key, `the key (${source})`);
  if (keyFile !== null) return readKeyFile(keyFile);
  return null;
}

const Z85_CHARS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 encoding (ZeroMQ RFC 32) of a buffer whose length is a multiple of 4. */
export function z85Encode(buf: Uint8Array): string {
  let out = '';
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < buf.length; i += 4) {
    let v = view.getUint32(i, false);
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85_CHARS[v % 85]! + chunk;
      v = Math.floor(v / 85);
    }
    out += chunk;
  }
  return out;
}

export interface CurveKeyPair {
  /** Z85, 40 characters. */
  publicKey: string;
  secretKey: string;
  /** The raw 32-byte public key (as ZAP reports it). */
  publicRaw: Uint8Array;
}

function derivePair(secret: Uint8Array, role: 'server' | 'client'): CurveKeyPair {
  const sk = Buffer.from(crypto.hkdfSync('sha256', secret, 'futures-zmq-v1', role, 32));
  const priv = crypto.createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: sk.toString('base64url'), x: '' },
    format: 'jwk',
  });
  const x = crypto.createPublicKey(priv).export({ format: 'jwk' }).x!;
  const pub = Buffer.from(x, 'base64url');
  return { publicKey: z85Encode(pub), secretKey: z85Encode(sk), publicRaw: pub };
}

export interface ClusterKeys {
  server: CurveKeyPair;
  client: CurveKeyPair;
}

/** The controller's and the workers' CURVE key pairs, derived from the cluster secret. */
export function deriveKeys(secret: Uint8Array): ClusterKeys {
  return { server: derivePair(secret, 'server'), client: derivePair(secret, 'client') };
}

/**
 * The controller's secret: the configured key; a random one for a loopback pool without a key
 * (handed to its local workers only); or null without CURVE. Binding beyond loopback needs a
 * configured key, and CURVE.
 */
export function controllerSecret(o: {
  key: string | null;
  keyFile: string | null;
  curve: boolean;
  bind: string;
  loopback: boolean;
}): Uint8Array | null {
  const secret = loadSecret(o.key, o.keyFile);
  if (!o.curve) {
    if (!o.loopback) {
      throw new KeyError(
        `futures zmq: curve: false (no authentication) is only allowed on loopback, not on ${o.bind}`,
      );
    }
    return null;
  }
  if (secret !== null) return secret;
  if (!o.loopback) {
    throw new KeyError(
      `futures zmq: listening on ${o.bind} (not loopback) needs a cluster key so that only your workers can join. ` +
        'Fix: run `futures keygen -o futures.key` and pass keyFile (or FUTURES_ZMQ_KEY_FILE) here and --key-file to the workers.',
    );
  }
  return crypto.randomBytes(SECRET_BYTES);
}

export function formatSecret(secret: Uint8Array): string {
  return PREFIX + Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength).toString('base64url');
}

/** Socket options shared by both ends: unbounded queues (core bounds what is in flight), ZMTP heartbeats, size limit. */
export function baseSocketOptions(o: {
  heartbeatInterval: number;
  heartbeatTimeout: number;
  maxMessageBytes: number;
}) {
  return {
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout,
    heartbeatTimeToLive: Math.min(o.heartbeatTimeout, 6_553_500),
    maxMessageSize: o.maxMessageBytes,
  };
}

/** CURVE options of the controller's ROUTER (a ZAP domain makes a missing ZAP handler fail closed). */
export function serverCurveOptions(keys: ClusterKeys | null) {
  if (keys === null) return {};
  return {
    curveServer: true,
    curveSecretKey: keys.server.secretKey,
    curvePublicKey: keys.server.publicKey,
    zapDomain: 'futures',
  };
}

/** CURVE options of a worker's DEALER. */
export function clientCurveOptions(keys: ClusterKeys | null) {
  if (keys === null) return {};
  return {
    curveServerKey: keys.server.publicKey,
    curvePublicKey: keys.client.publicKey,
    curveSecretKey: keys.client.secretKey,
  };
}
