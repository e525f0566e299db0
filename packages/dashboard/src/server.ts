import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardHub } from './hub.js';

/** Where the server listens and who may read it. */
export interface DashboardServerOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Address to listen on. @default "127.0.0.1" */
  host?: string;
  /**
   * Required in every request (`?token=`, the cookie the page gets with it, or
   * `Authorization: Bearer`). @default none on a loopback address; a random one otherwise
   */
  token?: string | null;
}

/** The page's files (index.html and its assets), shipped in the package beside dist/. */
const PAGE_DIR = fileURLToPath(new URL('../page/', import.meta.url));
/** ECharts' one-file build, copied into dist/vendor/ at build time (scripts/vendor-echarts.mjs). */
const ECHARTS_FILE = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../dist/vendor/echarts.min.js' : './vendor/echarts.min.js',
    import.meta.url,
  ),
);
/** A page that reads slower than this backlog is cut off (it reconnects and gets a fresh hello). */
const MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
};

/** Whether `host` is a loopback address (or name), reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * The dashboard's HTTP server (Node's `http`): `GET /` the page, `GET /assets/<file>` its
 * files and ECharts, `GET /events` the server-sent events of a DashboardHub. Its sockets are
 * unref'd: it never keeps a program alive.
 */
export class DashboardServer {
  readonly #server: http.Server;
  readonly #hub: DashboardHub;
  /** The token every request must carry, or null (loopback without one). */
  readonly token: string | null;
  readonly host: string;
  port = 0;

  private constructor(hub: DashboardHub, host: string, token: string | null) {
    this.#hub = hub;
    this.host = host;
    this.token = token;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (socket) => socket.unref());
  }

  /** Starts a server for `hub`; resolves once it listens. */
  static async start(hub: DashboardHub, options: DashboardServerOptions = {}): Promise<DashboardServer> {
    const host = options.host ?? '127.0.0.1';
    const token = options.token ?? (isLoopback(host) ? null : randomBytes(24).toString('base64url'));
    const server = new DashboardServer(hub, host, token);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port ?? 0, host, () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    server.#server.unref();
    server.port = (server.#server.address() as AddressInfo).port;
    return server;
  }

  /** The page's address, with the token when one is required. */
  get url(): string {
    let h = this.host;
    if (h === '0.0.0.0' || h === '::') h = os.hostname();
    else if (h.includes(':')) h = `[${h}]`;
    return `http://${h}:${this.port}/${this.token === null ? '' : `?token=${this.token}`}`;
  }

  /** The line printed to stderr when it starts. */
  get banner(): string {
    const where = `futures: dashboard at ${this.url}`;
    if (this.token === null) return `${where} (loopback only)`;
    return `${where} (listening on ${this.host}: requests without this token are refused)`;
  }

  get #cookieName(): string {
    return `futures_dashboard_${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'only GET is served\n');
    } else if (!this.#authorized(req, url)) {
      plain(
        res,
        403,
        this.token === null
          ? 'futures dashboard: requests must name this machine (localhost or 127.0.0.1) as their Host\n'
          : 'futures dashboard: this address needs the token printed with its URL (?token=...)\n',
      );
    } else {
      const headers: Record<string, string> = { ...SECURITY_HEADERS };
      if (this.token !== null && url.searchParams.get('token') === this.token)
        headers['Set-Cookie'] = `${this.#cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
      this.#route(url.pathname, req, res, headers);
    }
  }

  #route(
    route: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    headers: Record<string, string>,
  ): void {
    if (route === '/events') this.#events(req, res, headers);
    else if (route === '/' || route === '/index.html') file(res, path.join(PAGE_DIR, 'index.html'), headers);
    else if (route === '/assets/echarts.min.js') file(res, ECHARTS_FILE, headers);
    else if (route === '/favicon.ico') {
      res.writeHead(204, headers);
      res.end();
    } else {
      const target = route.startsWith('/assets/') ? pageFile(route.slice('/assets/'.length)) : null;
      if (target === null) plain(res, 404, 'not found\n');
      else file(res, target, headers);
    }
  }

  #authorized(req: http.IncomingMessage, url: URL): boolean {
    if (this.token === null) {
      // Loopback without a token: refuse a Host that is not this machine (DNS rebinding).
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      return isLoopback(host);
    }
    const given = [
      url.searchParams.get('token'),
      cookieValue(req.headers.cookie, this.#cookieName),
      /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null,
    ];
    return given.some((t) => t !== null && sameToken(t, this.token!));
  }

  #events(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 2000\n\n');
    const unsubscribe = this.#hub.subscribe((message) => {
      if (res.destroyed) return;
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
      else res.write(`data: ${JSON.stringify(message)}\n\n`);
    });
    res.on('close', unsubscribe);
  }
}

/** A file under the page's directory named by a URL path (undecodable or outside it: null). */
function pageFile(encoded: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  const target = path.resolve(PAGE_DIR, rel);
  return target.startsWith(PAGE_DIR) && !rel.includes('\0') ? target : null;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function file(res: http.ServerResponse, file: string, headers: Record<string, string>): void {
  fs.readFile(file, (error, data) => {
    if (error !== null) {
      plain(res, 404, 'not found\n');
      return;
    }
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(data.length) });
    res.end(res.req.method === 'HEAD' ? undefined : data);
  });
}
