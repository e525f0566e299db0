import * as fs from 'node:fs';
import * as path from 'node:path';
import { untilGone } from '@futures/core/conformance';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launcherLifelineSeconds } from '../src/lifeline.js';
import { MpiHosts, netnsUnavailable } from './support/mpi-netns.js';
import { HAS_MPI, NO_MPI_REASON, type RunResult, run } from './support/processes.js';

// Static mode across two "hosts": network namespaces A (mpiexec, rank 0) and B (ranks 1-2,
// in their own pid and UTS namespaces) joined by a veth pair; Open MPI over TCP, its remote
// daemon started by an rsh agent that runs `ip netns exec`. Real processes, real TCP.
const unavailable = HAS_MPI ? netnsUnavailable() : NO_MPI_REASON;
const APP = 'test/netns/app.mjs';
/** The test's heartbeat timeout (the default is 30 s): detection must come within it (+ slack). */
const HEARTBEAT_MS = 3000;
const DETECTION_MS = HEARTBEAT_MS + 2000;
/** The job must end (mpiexec exits, nothing left on either host) within detection + 10 s. */
const END_MS = HEARTBEAT_MS + 10_000;
/**
 * How long a process that lost a rank whose host gave no sign of life waits for Open MPI
 * before it exits (launcherLifelineSeconds: 1 + 1 x 4 + 2 = 7 s here), in ms.
 */
const LIFELINE_MS =
  launcherLifelineSeconds({
    OMPI_MCA_oob_tcp_keepalive_time: String(MpiHosts.KEEPALIVE.time),
    OMPI_MCA_oob_tcp_keepalive_intvl: String(MpiHosts.KEEPALIVE.intvl),
    OMPI_MCA_oob_tcp_keepalive_probes: String(MpiHosts.KEEPALIVE.probes),
  }) * 1000;
/** What rank 0 says on stderr when it waits LIFELINE_MS before exiting (src/lifeline.ts). */
const WAITS = /waiting up to \d+ s for mpiexec to end the job/;

// CI sets FUTURES_REQUIRE_NETNS=1: there, missing namespace support is a failure, not a skip.
if (HAS_MPI && unavailable !== null && process.env.FUTURES_REQUIRE_NETNS === '1') {
  it('network namespaces are available (FUTURES_REQUIRE_NETNS=1)', () => {
    throw new Error(`the MPI multi-host tests cannot run: ${unavailable}`);
  });
}

it("how long a lost rank's process waits for Open MPI to end the job: its oob keepalive, where set", () => {
  const env = (time: string, intvl: string, probes: string) => ({
    OMPI_MCA_oob_tcp_keepalive_time: time,
    OMPI_MCA_oob_tcp_keepalive_intvl: intvl,
    OMPI_MCA_oob_tcp_keepalive_probes: probes,
  });
  expect(launcherLifelineSeconds(env('5', '5', '7'))).toBe(42);
  expect(launcherLifelineSeconds(env('1', '1', '4'))).toBe(7);
  expect(launcherLifelineSeconds(env('0', '5', '7'))).toBe(0); // keepalive off
  expect(launcherLifelineSeconds({})).toBe(0); // Open MPI's default (8 min): do not wait
});

interface Line {
  phase: string;
  t: number;
  [k: string]: unknown;
}

function lines(r: RunResult): Line[] {
  const out: Line[] = [];
  for (const l of r.stdout.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      out.push(JSON.parse(l) as Line);
    } catch {}
  }
  return out;
}

describe.skipIf(unavailable !== null)(
  `MPI static mode across network namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let hosts: MpiHosts;

    beforeAll(() => {
      hosts = MpiHosts.create();
    });

    afterEach(() => {
      hosts.killAll();
      hosts.heal();
    });

    afterAll(() => {
      hosts?.destroy();
    });

    /**
     * Kills everything in both namespaces after `ms`: B's processes hold mpiexec's output
     * pipes and live outside its process group, so run()'s own timeout alone could wait for them.
     */
    async function withDeadline<T>(ms: number, start: () => Promise<T>): Promise<T> {
      const timer = setTimeout(() => hosts.killAll(), ms);
      try {
        return await start();
      } finally {
        clearTimeout(timer);
      }
    }

    /** Runs app.mjs under mpiexec in A; `onHeld` runs once when rank 0 says its tasks are held. */
    async function job(
      args: string[],
      onHeld?: () => void,
      env: Record<string, string> = {},
    ): Promise<{ r: RunResult; out: Line[]; exitAt: number; left: string[] }> {
      const [cmd, argv] = hosts.mpiexec(['node', 'dist/run.js', APP, ...args]);
      let held = false;
      const r = await withDeadline(60_000, () =>
        run(cmd, argv, {
          env: { FUTURES_MPI_HEARTBEAT_TIMEOUT: String(HEARTBEAT_MS), ...env },
          timeoutMs: 90_000,
          onStdout: (text) => {
            if (!held && text.includes('"phase":"held"')) {
              held = true;
              onHeld?.();
            }
          },
        }),
      );
      const exitAt = Date.now();
      // what is left on either host shortly after mpiexec ended (processes end asynchronously)
      const left = await untilGone(() => hosts.leftovers().map((p) => p.pid), 2000);
      const names = hosts.leftovers().map((p) => `${p.pid} ${p.comm}: ${p.args.slice(0, 120)}`);
      return { r, out: lines(r), exitAt, left: left.length > 0 ? names : [] };
    }

    it('tasks run on the other host; a 32 MiB echo crosses the link; the job ends cleanly', async () => {
      const { r, out, left } = await job(['where', '32']);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const placed = out.find((l) => l.phase === 'placed') as Line & {
        me: { host: string; netns: string };
        placed: { host: string; netns: string; pid: number }[];
      };
      expect(placed.me.netns).toBe(`net:[${hosts.netnsInode(hosts.a)}]`);
      expect(placed.placed).toHaveLength(8);
      for (const p of placed.placed) {
        expect(p.netns).toBe(`net:[${hosts.netnsInode(hosts.b)}]`);
        expect(p.host).toBe(hosts.hostnameB);
      }
      expect(new Set(placed.placed.map((p) => p.pid)).size).toBe(2); // both of B's ranks served
      expect(out.find((l) => l.phase === 'echo')).toMatchObject({ bytes: 32 << 20, same: true });
      expect(out.some((l) => l.phase === 'done')).toBe(true);
      expect(left).toEqual([]);
    });

    it('the static conformance suite passes with both workers on the other host', async () => {
      // The whole suite (about 10 s here): rank 0 runs it (test/mpi/rank0-vitest.mjs), ranks 1-2 on B serve.
      const out = path.join(hosts.dir, 'report.json');
      const [cmd, argv] = hosts.mpiexec(['node', 'test/mpi/rank0-vitest.mjs', 'static', out]);
      const r = await withDeadline(240_000, () => run(cmd, argv, { timeoutMs: 300_000 }));
      const report = fs.existsSync(out)
        ? (JSON.parse(fs.readFileSync(out, 'utf8')) as {
            numPassedTests: number;
            testResults: {
              assertionResults: { fullName: string; status: string; failureMessages: string[] }[];
            }[];
          })
        : null;
      expect(
        report,
        `no report; exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
      ).not.toBeNull();
      const failures = report!.testResults
        .flatMap((f) => f.assertionResults)
        .filter((a) => a.status === 'failed')
        .map((a) => `${a.fullName}: ${a.failureMessages.join('\n').slice(0, 300)}`)
        // Not a failure of the transport: the suite assumes one host (a remote error's `host`
        // is the worker's host name: here B's, fmpi-b).
        .filter((f) => !f.includes(`expected '${hosts.hostnameB}' to be`));
      expect(failures, 'conformance failures across hosts').toEqual([]);
      expect(report!.numPassedTests).toBeGreaterThanOrEqual(40);
      expect(await untilGone(() => hosts.leftovers().map((p) => p.pid), 5000)).toEqual([]);
    });

    it('a cut link: every future fails with BrokenExecutorError within the heartbeat timeout; the job ends, nothing is left', async () => {
      let tCut = 0;
      const { r, out, exitAt, left } = await job(['hold'], () => {
        hosts.cut();
        tCut = Date.now();
      });
      expect(tCut, `${r.stdout}\n${r.stderr}`).toBeGreaterThan(0);
      const settled = out.find((l) => l.phase === 'settled') as Line & {
        settled: { name: string; message: string; t: number }[];
      };
      expect(settled, `${r.stdout}\n${r.stderr}`).toBeDefined();
      expect(settled.settled).toHaveLength(4);
      for (const s of settled.settled) {
        expect(s.name).toBe('BrokenExecutorError');
        expect(s.message).toMatch(/was lost: it sent nothing for/);
        expect(s.t - tCut).toBeLessThan(DETECTION_MS);
      }
      expect(r.signal).toBeNull(); // mpiexec ended by itself, not by our timeout
      expect(exitAt - tCut, r.stderr.slice(-2000)).toBeLessThan(END_MS);
      // B gave no sign of life: rank 0 waited for Open MPI's keepalive (exiting at once would hang mpiexec)
      expect(r.stderr).toMatch(WAITS);
      expect(left).toEqual([]);
      console.log(
        `cut link: futures settled ${Math.max(...settled.settled.map((s) => s.t)) - tCut} ms after the cut, mpiexec exited after ${exitAt - tCut} ms`,
      );
    });

    // Which signs that B still answers rank 0 may use (FUTURES_MPI_REACHABILITY, both by
    // default): the other rank on B still beating, or a TCP connect to B's Open MPI daemon.
    it.each([
      ['either sign of life', ''],
      ['only the other rank on that host, still heard from', 'peers'],
      ["only a connection to that host's Open MPI daemon", 'probe'],
    ])(
      'a rank killed on the other host: every future fails with BrokenExecutorError, the job ends within detection + 10 s, nothing is left (%s)',
      async (_, reachability) => {
        // With orte_abort_on_non_zero_status 0 (what the CLI gives Open MPI 4) mpiexec does not
        // tear the job down when a rank dies by a signal: rank 0 notices the loss by heartbeat
        // and settles every future; B still answers, so the rank died (B is not cut off): rank 0
        // exits at once, without MPI_Finalize, which ends the job.
        let tKill = 0;
        let victim = 0;
        const env: Record<string, string> = reachability ? { FUTURES_MPI_REACHABILITY: reachability } : {};
        const { r, out, exitAt, left } = await job(
          ['hold'],
          () => {
            const ranks = hosts
              .processes(hosts.b)
              .filter((p) => p.comm === 'node' && p.args.includes('dist/run.js'));
            victim = ranks[0]?.pid ?? 0;
            if (victim > 0) process.kill(victim, 'SIGKILL');
            tKill = Date.now();
          },
          env,
        );
        expect(victim, `${r.stdout}\n${r.stderr}`).toBeGreaterThan(0);
        const settled = out.find((l) => l.phase === 'settled') as
          | (Line & { settled: { name: string; message: string; t: number }[] })
          | undefined;
        expect(settled, `the job ended before the futures settled\n${r.stdout}\n${r.stderr}`).toBeDefined();
        expect(settled!.settled).toHaveLength(4);
        for (const s of settled!.settled) {
          expect(s.name).toBe('BrokenExecutorError');
          expect(s.message).toMatch(/was lost/);
          expect(s.t - tKill).toBeLessThan(DETECTION_MS);
        }
        const tSettled = Math.max(...settled!.settled.map((s) => s.t));
        expect(r.signal).toBeNull(); // mpiexec ended by itself, not by our timeout
        // Rank 0 did not wait for Open MPI's keepalive: it said nothing of it, and the job ended
        // before that wait alone would have (the old way: LIFELINE_MS, then ~3 s of Open MPI's
        // SIGTERM, SIGKILL to the ranks left).
        expect(r.stderr).not.toMatch(WAITS);
        expect(exitAt - tSettled, r.stderr.slice(-2000)).toBeLessThan(LIFELINE_MS);
        expect(exitAt - tKill, r.stderr.slice(-2000)).toBeLessThan(END_MS);
        expect(left).toEqual([]);
        console.log(
          `killed rank (${reachability || 'both'}): futures settled ${tSettled - tKill} ms after the kill, mpiexec exited ${exitAt - tSettled} ms after that (${exitAt - tKill} ms after the kill, exit code ${r.code})`,
        );
      },
    );

    it('a program that goes on after a rank was killed on the other host is not cut short; the job ends when it does', async () => {
      // Its executor is broken, but the program lives on for two heartbeat timeouts and more:
      // the servers left must still hear rank 0 (not take it for dead and abort the job).
      const lingerMs = 2 * HEARTBEAT_MS + 2000;
      let tKill = 0;
      const { r, out, exitAt, left } = await job(['hold', String(lingerMs)], () => {
        const ranks = hosts
          .processes(hosts.b)
          .filter((p) => p.comm === 'node' && p.args.includes('dist/run.js'));
        if (ranks[0]) process.kill(ranks[0].pid, 'SIGKILL');
        tKill = Date.now();
      });
      expect(tKill, `${r.stdout}\n${r.stderr}`).toBeGreaterThan(0);
      const lived = out.find((l) => l.phase === 'lived');
      expect(lived, `the program was cut short\n${r.stdout}\n${r.stderr.slice(-3000)}`).toBeDefined();
      expect(r.stderr).not.toMatch(/MPI_ABORT was invoked/);
      expect(r.stderr).not.toMatch(WAITS);
      expect(r.signal).toBeNull(); // mpiexec ended by itself, not by our timeout
      expect(exitAt - lived!.t, r.stderr.slice(-2000)).toBeLessThan(LIFELINE_MS);
      expect(left).toEqual([]);
      console.log(`program went on after the kill: mpiexec exited ${exitAt - lived!.t} ms after it ended`);
    });

    it('rank 0 killed: the servers on the other host see that its host still answers and exit; the job ends within detection + 10 s, nothing is left', async () => {
      let tKill = 0;
      let victim = 0;
      const { r, exitAt, left } = await job(['hold'], () => {
        const rank0 = hosts
          .processes(hosts.a)
          .filter((p) => p.comm === 'node' && p.args.includes('dist/run.js'));
        victim = rank0[0]?.pid ?? 0;
        if (victim > 0) process.kill(victim, 'SIGKILL');
        tKill = Date.now();
      });
      expect(victim, `${r.stdout}\n${r.stderr}`).toBeGreaterThan(0);
      expect(r.signal, `${r.stdout.slice(-1000)}\n${r.stderr.slice(-3000)}`).toBeNull(); // mpiexec ended by itself
      expect(r.stderr).toMatch(/its host still answers: it died; ending the job\); this worker exits/);
      expect(r.stderr).toMatch(/MPI_ABORT was invoked/);
      expect(exitAt - tKill, r.stderr.slice(-2000)).toBeLessThan(END_MS);
      expect(left).toEqual([]);
      console.log(`killed rank 0: mpiexec exited ${exitAt - tKill} ms after the kill (exit code ${r.code})`);
    });
  },
);
