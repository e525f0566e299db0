import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Gate } from '@futures/core/conformance';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keygen } from '../src/index.js';
import type { HoldDetails, HoldGate } from './support/harness.js';
import { Cluster, netnsUnavailable } from './support/netns.js';
import { type Event, Proc } from './support/proc.js';

// Multi-host tests: the controller in one network namespace, workers in two others, linked by
// veth pairs in private subnets; real processes, real TCP, real CURVE.
const unavailable = netnsUnavailable();
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const WORKER_BIN = new URL('../bin/futures-zmq-worker.js', import.meta.url).pathname;
const HB = { heartbeatInterval: 200, heartbeatTimeout: 1000 };
/** When a lost worker must be reported: heartbeatTimeout + 2 intervals, plus slack for a loaded 2-core machine. */
const DETECTION_MS = HB.heartbeatTimeout + 2 * HB.heartbeatInterval + 3000;

// CI sets FUTURES_REQUIRE_NETNS=1: there, missing namespace support is a failure, not a skip.
if (unavailable !== null && process.env.FUTURES_REQUIRE_NETNS === '1') {
  it('network namespaces are available (FUTURES_REQUIRE_NETNS=1)', () => {
    throw new Error(`the multi-host tests cannot run: ${unavailable}`);
  });
}

describe.skipIf(unavailable !== null)(
  `zmq across network namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let cluster: Cluster;
    let dir: string;
    let keyFile: string;
    let keyText: string;
    let port = 5600;
    const procs: Proc[] = [];
    const gates: HoldGate[] = [];

    beforeAll(() => {
      cluster = Cluster.create();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fz-netns-'));
      keyText = keygen();
      keyFile = path.join(dir, 'cluster.key');
      fs.writeFileSync(keyFile, `${keyText}\n`, { mode: 0o600 });
    });

    afterEach(async () => {
      for (const p of procs.splice(0)) p.kill();
      for (const g of gates.splice(0)) await g.close();
      cluster.heal();
    });

    afterAll(async () => {
      cluster?.destroy();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const run = (ns: string, args: string[], env: Record<string, string> = {}): Proc => {
      const p = new Proc('ip', [...cluster.exec(ns), process.execPath, ...args], {
        env: { ...process.env, ...env },
      });
      procs.push(p);
      return p;
    };

    const controller = (cfg: Record<string, unknown>, zmqOpts: Record<string, unknown> = {}): Proc =>
      run(cluster.ctl, [
        path.join(FIXTURES, 'controller.mjs'),
        JSON.stringify({
          ...cfg,
          zmq: { bind: `tcp://0.0.0.0:${port}`, keyFile, localWorkers: 0, ...HB, ...zmqOpts },
        }),
      ]);

    const worker = (which: 'a' | 'b'): Proc => {
      const ns = which === 'a' ? cluster.a : cluster.b;
      const host = which === 'a' ? cluster.ctlFromA : cluster.ctlFromB;
      return run(
        ns,
        [
          WORKER_BIN,
          '--connect',
          `tcp://${host}:${port}`,
          '--key-file',
          keyFile,
          '--heartbeat-interval',
          '200',
          '--heartbeat-timeout',
          '1000',
        ],
        { FZ_NS: which },
      );
    };

    const openGate = async (): Promise<HoldGate> => {
      const g = await Gate.open<HoldDetails>();
      gates.push(g);
      return g;
    };

    const nextPort = (): void => {
      port++;
    };

    async function cutMidRun(
      retries: number,
    ): Promise<{ ctl: Proc; heldAtA: number[]; tCut: number; wa: Proc; wb: Proc }> {
      nextPort();
      const gate = await openGate();
      const ctl = controller({ mode: 'hold', n: 10, gate: gate.path, retries }, { waitWorkers: 2 });
      const wa = worker('a');
      const wb = worker('b');
      await ctl.event('booted');
      // both workers are running a task (each holds five: the scheduler spreads the ten)
      await gate.until((arr) => arr.some((x) => x.ns === 'a') && arr.some((x) => x.ns === 'b'));
      cluster.cut(cluster.a, cluster.linkA);
      const tCut = Date.now();
      gate.autoRelease((x) => x.ns === 'b');
      await ctl.event('done', 60_000);
      const heldAtA = gate.arrivals.filter((x) => x.ns === 'a').map((x) => x.i);
      return { ctl, heldAtA, tCut, wa, wb };
    }

    it('a worker whose link is cut mid-run: its tasks are retried on the other worker within the detection time', async () => {
      const { ctl, heldAtA, tCut, wa, wb } = await cutMidRun(1);
      const results = ctl.all('result');
      expect(ctl.all('error')).toEqual([]);
      expect(results.map((r) => r.i).sort((x, y) => (x as number) - (y as number))).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      expect(heldAtA.length).toBeGreaterThan(0);
      for (const i of heldAtA) {
        const r = results.find((x) => x.i === i)!;
        expect(r.ns).toBe('b'); // completed elsewhere
        expect((r.t as number) - tCut).toBeLessThan(DETECTION_MS + 2000);
      }
      const done = ctl.events.find((e) => e.event === 'done') as Event & { stats: { retried: number } };
      expect(done.stats.retried).toBeGreaterThanOrEqual(1);
      expect((await ctl.waitExit()).code).toBe(0);
      // the cut-off worker notices the silence itself and exits ("controller lost")
      expect((await wa.waitExit(DETECTION_MS + 5000)).code).toBe(3);
      expect((await wb.waitExit()).code).toBe(0);
    });

    it("without retries, the cut-off worker's tasks fail with WorkerLostError within the detection time; the rest complete", async () => {
      const { ctl, heldAtA, tCut } = await cutMidRun(0);
      const errors = ctl.all('error');
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) {
        expect(e.name).toBe('WorkerLostError');
        expect((e.t as number) - tCut).toBeLessThan(DETECTION_MS);
      }
      // the task running at a and those queued at it (in flight there) are the ones lost
      for (const i of heldAtA) expect(errors.map((e) => e.i)).toContain(i);
      const results = ctl.all('result');
      expect(results.length + errors.length).toBe(10);
      for (const r of results) expect(r.ns).toBe('b');
      expect((await ctl.waitExit()).code).toBe(0);
    });

    it('a worker joining mid-run runs the initializer, then takes tasks', async () => {
      nextPort();
      const gate = await openGate();
      const ctl = controller({ mode: 'hold', n: 6, gate: gate.path, maxInFlight: 1 }, { waitWorkers: 1 });
      const wa = worker('a');
      await ctl.event('booted');
      await gate.until((arr) => arr.some((x) => x.ns === 'a'));
      const wb = worker('b'); // joins while a's task is held and five are queued
      await gate.until((arr) => arr.some((x) => x.ns === 'b'));
      gate.openAll();
      await ctl.event('done');
      const results = ctl.all('result');
      expect(results).toHaveLength(6);
      expect(results.some((r) => r.ns === 'b')).toBe(true);
      for (const r of results) expect(r.tag).toBe('tagged');
      expect((await ctl.waitExit()).code).toBe(0);
      expect((await wa.waitExit()).code).toBe(0);
      expect((await wb.waitExit()).code).toBe(0);
    });

    it('peers with a wrong key or none get no task and cannot submit results; garbage does not disturb a running map', async () => {
      nextPort();
      const gate = await openGate();
      const ctl = controller({ mode: 'hold', n: 8, gate: gate.path, maxInFlight: 2 }, { waitWorkers: 1 });
      const wa = worker('a');
      await ctl.event('booted');
      await gate.until((arr) => arr.some((x) => x.ns === 'a'));
      const connect = `tcp://${cluster.ctlFromB}:${port}`;
      const intruders = (['wrong-key', 'no-curve', 'garbage'] as const).map((mode) =>
        run(cluster.b, [path.join(FIXTURES, 'intruder.mjs'), JSON.stringify({ mode, connect, keyText })]),
      );
      // every intruder tried several times while the map is running
      for (const p of intruders) await p.until((x) => x.all('attempt').length >= 3, 'intruder attempts');
      gate.openAll();
      const done = (await ctl.event('done')) as Event & { stats: { workers: unknown[] } };
      const results = ctl.all('result');
      expect(ctl.all('error')).toEqual([]);
      expect(results.map((r) => r.i).sort((x, y) => (x as number) - (y as number))).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7,
      ]);
      for (const r of results) expect(r).toMatchObject({ ns: 'a', tag: 'tagged' }); // nothing forged got in
      expect(done.stats.workers).toHaveLength(1);
      for (const p of intruders) {
        expect(p.all('received')).toEqual([]);
        expect(p.all('handshake')).toEqual([]);
      }
      expect(ctl.stderr).toMatch(/refused a peer from 10\.213\.2\.2/);
      expect((await ctl.waitExit()).code).toBe(0);
      expect((await wa.waitExit()).code).toBe(0);
    });
  },
);
