import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PoolExecutor, task } from '@futures/core';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as zeromq from 'zeromq';
import { keygen, zmq } from '../src/index.js';
import { curvePeer, freePort } from './support/peer.js';

// A rogue but authenticated peer (valid CURVE keys) sends random and damaged messages to a
// real controller, before and after it joins; the controller must survive, keep serving
// its real worker process correctly, count the core frames it drops in stats() and log
// drops rate-limited. Fixed seed in CI; `node scripts/fuzz.mjs` runs it longer (FUZZ_SEED,
// FUZZ_RUNS).
const SEED = Number(process.env.FUZZ_SEED ?? 20251215);
const RUNS = Math.max(1, Math.round(30 * Number(process.env.FUZZ_RUNS ?? 1)));
const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url).href;
const echo = task<<T>(v: T) => T>(TASKS, 'echo');
const HB = { heartbeatInterval: 200, heartbeatTimeout: 1000 };
const MAX = 64 * 1024;

/* The frame layout of core's frame.ts, written here by hand (core's encoders are internal). */
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const varuint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
};
const str = (s: string): number[] => {
  const b = [...Buffer.from(s, 'utf8')];
  return [6, ...varuint(b.length), ...b];
};
const int = (n: number): number[] => [4, ...u32(n)];
const obj = (entries: [string, number[]][]): number[] => [
  8,
  ...varuint(entries.length),
  ...entries.flatMap(([k, v]) => {
    const kb = [...Buffer.from(k, 'utf8')];
    return [...varuint(kb.length), ...kb, ...v];
  }),
];
const results = (rs: [number, boolean, number[]][]): number[] => [
  18,
  ...u32(rs.length),
  ...rs.flatMap(([id, ok, v]) => [...u32(id), ok ? 1 : 0, 0, ...v]),
];
const wireError = (m: string): number[] =>
  obj([
    ['isError', [2]],
    ['name', str('Error')],
    ['message', str(m)],
    ['stack', str('')],
    ['props', obj([])],
  ]);

/** Valid worker → controller heads: results (ok and failed), revoked, ready, init-failed. */
const validHead = fc.oneof(
  fc
    .array(
      fc.tuple(fc.nat(0xffffffff), fc.boolean(), fc.oneof(fc.integer().map(int), fc.string().map(str))),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    .map((rs) => results(rs.map(([id, ok, v]) => [id, ok, ok ? v : wireError('x')]))),
  fc
    .array(fc.nat(0xffffffff), { maxLength: 4 })
    .map((ids) => [19, ...varuint(ids.length), ...ids.flatMap(u32)]),
  fc.constant([
    16,
    ...obj([
      ['workerId', int(9)],
      ['host', str('rogue')],
      ['pid', int(1)],
      ['threadId', int(0)],
    ]),
  ]),
  fc.constant([17, ...wireError('init failed')]),
);

/** Damage: flipped bytes, truncation, extension, a huge count, or garbage. */
const head = fc.oneof(
  { weight: 1, arbitrary: validHead },
  {
    weight: 2,
    arbitrary: fc.tuple(validHead, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([h, p, x]) => {
      const c = [...h];
      c[p % c.length]! ^= x;
      return c;
    }),
  },
  { weight: 1, arbitrary: fc.tuple(validHead, fc.nat()).map(([h, p]) => h.slice(0, p % h.length)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validHead, fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }))
      .map(([h, x]) => [...h, ...x]),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(validHead, fc.nat()).map(([h, p]) => {
      const c = [...h];
      c.splice(1 + (p % Math.max(1, c.length - 1)), 4, 0xff, 0xff, 0xff, 0x7f);
      return c;
    }),
  },
  { weight: 1, arbitrary: fc.array(fc.nat(255), { maxLength: 48 }) },
);

type Msg = { parts: Buffer[]; coreFrame: boolean };
/** A multipart message: a core frame [3, head, ...bufs], or a random kind with random parts. */
const message: fc.Arbitrary<Msg> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(head, fc.array(fc.uint8Array({ maxLength: 2048 }), { maxLength: 2 }))
      .map(([h, bufs]) => ({
        parts: [Buffer.from([3]), Buffer.from(h), ...bufs.map((b) => Buffer.from(b))],
        coreFrame: true,
      })),
  },
  {
    weight: 1,
    // kinds other than a core frame (3, above) and a join or a leave (Hello 1, Bye 5, Dying 8 start or end a link: legitimate)
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constantFrom(0, 2, 4, 6, 7, 9, 255), fc.uint8Array({ minLength: 2, maxLength: 3 })),
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 3 }),
      )
      .map(([k, rest]) => ({
        parts: [Buffer.from(typeof k === 'number' ? [k] : k), ...rest.map((b) => Buffer.from(b))],
        coreFrame: false,
      })),
  },
);

/**
 * Whether the controller's core must drop and count this message: a core frame that does
 * not decode. (Frames that decode are the protocol's: a `ready` makes the peer a worker that
 * then never answers, an init-failed breaks the pool; the generator's valid heads of those
 * two kinds are skipped, not sent.)
 */
function classify(m: Msg): 'counted' | 'uncounted' | 'skip' {
  if (!m.coreFrame) return 'uncounted';
  const h = m.parts[1]!;
  const tag = h[0];
  const decodes = decodesAsWorkerMessage(h);
  if (decodes && (tag === 16 || tag === 17)) return 'skip';
  return decodes ? 'uncounted' : 'counted';
}

let dir: string;
let keyFile: string;
let keyText: string;
let p: PoolExecutor;
let port: number;
let decodesAsWorkerMessage: (head: Uint8Array) => boolean;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fz-fuzz-'));
  keyText = keygen();
  keyFile = path.join(dir, 'cluster.key');
  fs.writeFileSync(keyFile, `# test key\n${keyText}\n`, { mode: 0o600 });
  port = await freePort();
  p = new PoolExecutor({
    transport: zmq({ ...HB, keyFile, bind: `tcp://127.0.0.1:${port}`, maxMessageBytes: MAX }),
    maxWorkers: 1,
  });
  await p.bootup();
  // core's own decoder, as the controller runs it (from its built package, which the transport uses too)
  const frame = (await import(
    new URL('transport/frame.js', pathToFileURL(createRequire(import.meta.url).resolve('@futures/core'))).href
  )) as {
    decodeWorkerMessage(f: { head: Uint8Array; bufs: Uint8Array[] }, sink: () => void): unknown;
  };
  decodesAsWorkerMessage = (h) => {
    try {
      frame.decodeWorkerMessage({ head: new Uint8Array(h), bufs: [] }, () => {});
      return true;
    } catch {
      return false;
    }
  };
});
afterAll(async () => {
  await p?.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rogue(): zeromq.Dealer {
  const peer = curvePeer(keyText);
  peer.connect(`tcp://127.0.0.1:${port}`);
  return peer;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a rogue authenticated zmq peer (property-based)', () => {
  it('random and damaged messages before and after joining: the controller survives, serves its worker correctly, counts and logs drops', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const started = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { maxLength: 15 }),
          fc.array(message, { minLength: 1, maxLength: 30 }),
          async (before, after) => {
            const peer = rogue();
            try {
              const items = Array.from({ length: 40 }, (_, i) =>
                i % 10 === 0 ? { i, s: 'x'.repeat(i) } : i,
              );
              const running = Promise.all(items.map((v) => p.submit(echo, v)));
              // before joining: nothing is a link yet; every message is refused (Reset) and logged
              for (const m of before) await peer.send(m.parts);
              await peer.send([Buffer.from([1]), JSON.stringify({ v: 1, host: 'rogue', pid: 1 })]);
              for (;;) {
                const [kind] = await peer.receive(); // Resets for what came before, then the welcome
                if (kind![0] === 2) break;
              }
              const base = drops(p);
              let expected = 0;
              for (const m of after) {
                const c = classify(m);
                if (c === 'skip') continue;
                if (c === 'counted') expected++;
                await peer.send(m.parts);
              }
              expect(await running).toEqual(items);
              await until(`${expected} drops counted`, () => drops(p) - base >= expected);
              expect(drops(p) - base).toBe(expected);
              expect(await p.submit(echo, 'still serving')).toBe('still serving');
            } finally {
              peer.close();
            }
          },
        ),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      process.off('warning', onWarning);
    }
    const s = p.stats();
    expect(drops(p)).toBeGreaterThan(0);
    expect(s.failed).toBe(0);
    // logged, rate-limited: at most one line per category (and per limiter) a second
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    const core = warnings.filter((w) => /dropped a malformed frame from worker/.test(w));
    expect(core.length).toBeGreaterThan(0);
    expect(core.length).toBeLessThanOrEqual(seconds);
    for (const re of [/unknown kind/, /has not joined/, /malformed message/])
      expect(warnings.filter((w) => re.test(w)).length).toBeLessThanOrEqual(seconds);
  });
});

/** stats().malformedFrames, which stats() always sets (the type has it optional for old progress messages). */
function drops(pool: PoolExecutor): number {
  const n = pool.stats().malformedFrames;
  if (n === undefined) throw new Error('stats() lacks malformedFrames');
  return n;
}
