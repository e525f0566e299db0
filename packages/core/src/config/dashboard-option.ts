import { optionRangeError, optionTypeError } from '../errors.js';
import type { Sourced } from './options.js';

/** The `dashboard` executor option: turns on the live dashboard (the @futures/dashboard package). */
export interface DashboardOptions {
  /** TCP port of the page; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * Address to listen on. Anything but loopback requires a token in the page's URL (one is
   * generated unless `token` is given). @default "127.0.0.1"
   */
  host?: string;
  /**
   * The token the page's URL must carry (`?token=...`). @default none on loopback; elsewhere a
   * random one, printed with the URL
   */
  token?: string;
}

/** The dashboard settings after validation (null: off). */
export interface DashboardSettings {
  port: number;
  host: string;
  token: string | null;
  /** Where they came from, e.g. `environment variable FUTURES_DASHBOARD`. */
  source: string;
}

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];
const KEYS = ['port', 'host', 'token'];

/**
 * Validates the `dashboard` setting from any source: `true`/`false` or `{ port, host, token }`
 * (option or config file); from FUTURES_DASHBOARD also "1" (a free port), "0", a port number
 * or that object as JSON.
 */
export function resolveDashboard(at: Sourced | undefined): DashboardSettings | null {
  if (at === undefined) return null;
  let v = at.value;
  const fix = `Fix: ${at.source.startsWith('environment') ? 'set it to 1 (a free port), a port number, 0 (off) or {"port":8787,"host":"127.0.0.1"}' : 'pass true, false or { port?: number, host?: string, token?: string }'}.`;
  const bad = (what: string, range = false): never => {
    const message = `futures: dashboard (from ${at.source}) ${what}. ${fix}`;
    throw range ? optionRangeError(message) : optionTypeError(message);
  };
  if (typeof v === 'string' && at.source.startsWith('environment')) {
    const s = v.trim().toLowerCase();
    if (ON.includes(s)) return { port: 0, host: '127.0.0.1', token: null, source: at.source };
    if (OFF.includes(s)) return null;
    if (/^\d+$/.test(s)) v = { port: Number(s) };
    else if (s.startsWith('{')) {
      try {
        v = JSON.parse(v) as unknown;
      } catch {
        bad(`is not valid JSON: ${JSON.stringify(at.value)}`);
      }
    } else bad(`must be 1, 0, a port number or a JSON object, got ${JSON.stringify(at.value)}`);
  }
  if (v === false) return null;
  if (v === true) v = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad(`must be true, false or an object, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!KEYS.includes(key)) bad(`has an unknown key "${key}" (known: ${KEYS.join(', ')})`);
  const port = o.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port))
    bad(`.port must be an integer, got ${String(port)}`);
  if ((port as number) < 0 || (port as number) > 65535)
    bad(`.port must be between 0 (a free port) and 65535, got ${port}`, true);
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '')
    bad('.host must be a non-empty string (an address to listen on)');
  const token = o.token ?? null;
  if (token !== null && (typeof token !== 'string' || !/^[\w.~-]{8,}$/.test(token)))
    bad('.token must be a string of at least 8 URL-safe characters (letters, digits, - _ . ~)');
  return { port: port as number, host: host as string, token: token as string | null, source: at.source };
}
