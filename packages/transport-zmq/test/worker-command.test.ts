import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkerLostError } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { keygen, zmq } from '../src/index.js';
import { dir, echo, HB, hold, keyFile, openGate, pool, useHarness, workerProc } from './support/harness.js';
import { freePort } from './support/peer.js';

// `futures worker` (the futures-zmq-worker binary) against a loopback pool: refusals and exit codes.
useHarness();
describe('futures worker', () => {
  it('a worker with another cluster key gives up (exit 5) and the pool never counts it', async () => {
    const port = await freePort();
    const p = pool({ transport: zmq({ localWorkers: 1, keyFile, bind: `tcp://127.0.0.1:${port}`, ...HB }) });
    await p.bootup();
    const other = path.join(dir, 'other.key');
    fs.writeFileSync(other, `${keygen()}\n`, { mode: 0o600 });
    const w = workerProc(['--connect', `tcp://127.0.0.1:${port}`, '--key-file', other]);
    expect((await w.waitExit()).code).toBe(5);
    expect(w.stderr).toMatch(/a different key/);
    expect(p.stats().workers).toHaveLength(1);
    expect(await p.submit(echo, 'fine')).toBe('fine');
  });

  it('a worker whose --max-message-bytes is below the pool limit is refused (exit 4), not sent frames it would drop', async () => {
    const port = await freePort();
    const limit = 64 * 1024;
    const p = pool({
      transport: zmq({ localWorkers: 1, keyFile, bind: `tcp://127.0.0.1:${port}`, ...HB }),
      maxMessageBytes: limit,
    });
    await p.bootup();
    const small = workerProc([
      '--connect',
      `tcp://127.0.0.1:${port}`,
      '--key-file',
      keyFile,
      '--max-message-bytes',
      '4096',
    ]);
    expect((await small.waitExit()).code).toBe(4);
    expect(small.stderr).toMatch(/--max-message-bytes \(4096\) is below the pool's message limit/);
    expect(p.stats().workers).toHaveLength(1);
    // a worker that accepts the pool's limit joins and serves
    const enough = workerProc([
      '--connect',
      `tcp://127.0.0.1:${port}`,
      '--key-file',
      keyFile,
      '--max-message-bytes',
      String(limit + 4096),
    ]);
    await expect.poll(() => p.stats().workers.length, { timeout: 60_000 }).toBe(2);
    expect(await p.submit(echo, 'fine')).toBe('fine');
    enough.kill();
  });

  // The ROUTER's send to a dead peer waited for good (the only peer: nothing ever made the
  // socket writable), so a killed remote worker was never reported and its task hung.
  it.each([1, 0])(
    'a remote worker killed with SIGKILL mid-task is lost: its task is retried (retries %i) or fails with WorkerLostError',
    async (retries) => {
      const port = await freePort();
      const gate = await openGate();
      const p = pool({
        transport: zmq({ localWorkers: 0, keyFile, bind: `tcp://127.0.0.1:${port}`, ...HB }),
        maxWorkers: 1,
        retries,
      });
      const booted = p.bootup();
      const remote = workerProc(['--connect', `tcp://127.0.0.1:${port}`, '--key-file', keyFile]);
      await booted;
      const held = p.submit(hold, gate.path, 0);
      await gate.until((arr) => arr.length === 1);
      expect(gate.arrivals[0]!.pid).toBe(remote.child.pid);
      remote.kill('SIGKILL');
      if (retries > 0) {
        // the retry waits for a worker: a second remote one joins and runs it
        const second = workerProc(['--connect', `tcp://127.0.0.1:${port}`, '--key-file', keyFile]);
        await gate.until((arr) => arr.length === 2);
        expect(gate.arrivals[1]!.pid).toBe(second.child.pid);
        gate.openAll();
        expect((await held).pid).toBe(second.child.pid);
        expect(p.stats().retried).toBe(1);
        second.kill();
      } else {
        const error = (await held.catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(WorkerLostError);
        expect(error.message).toMatch(/lost the connection to worker 1/);
      }
      expect(p.stats().workers.map((w) => w.pid)).not.toContain(remote.child.pid);
      gate.openAll();
    },
  );

  it('--help, missing --connect, a bad key file, and a join timeout give their exit codes', async () => {
    const help = workerProc(['--help']);
    expect((await help.waitExit()).code).toBe(0);
    expect(help.stdout).toMatch(/--connect/);
    const none = workerProc([]);
    expect((await none.waitExit()).code).toBe(1);
    expect(none.stderr).toMatch(/--connect/);
    const bad = path.join(dir, 'bad.key');
    fs.writeFileSync(bad, 'not a key\n', { mode: 0o600 });
    const badKey = workerProc(['--connect', 'tcp://127.0.0.1:9', '--key-file', bad]);
    expect((await badKey.waitExit()).code).toBe(1);
    expect(badKey.stderr).toMatch(/valid key/);
    const lonely = workerProc([
      '--connect',
      'tcp://127.0.0.1:9',
      '--key-file',
      keyFile,
      '--join-timeout',
      '1',
    ]);
    expect((await lonely.waitExit()).code).toBe(2);
  });
});
