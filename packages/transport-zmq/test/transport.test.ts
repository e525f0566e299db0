import * as fs from 'node:fs';
import * as path from 'node:path';
import { BrokenExecutorError, FuturesError, task, WorkerLostError } from '@futures/core';
import { describe, expect, it } from 'vitest';
import * as zeromq from 'zeromq';
import { parseWorkerArgs } from '../src/cli-args.js';
import { deriveKeys, keygen, parseKey, type ZmqTransport, zmq } from '../src/index.js';
import {
  dir,
  echo,
  echoOrHold,
  HB,
  hold,
  keyFile,
  keyText,
  openGate,
  pool,
  TASKS,
  throwLater,
  useHarness,
  who,
  workerProc,
} from './support/harness.js';
import { curvePeer, freePort } from './support/peer.js';

// The transport on loopback with real worker processes: options and keys, elastic
// membership, failures, hostile input (the worker command: worker-command.test.ts).
useHarness();
describe('options and keys', () => {
  it('rejects bad options at the call, naming the option', () => {
    expect(() => zmq({ bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
    expect(() => zmq({ heartbeatInterval: 1000, heartbeatTimeout: 500 })).toThrow(RangeError);
    expect(() => zmq({ bind: 'http://example.org' })).toThrow(/option "bind"/);
    expect(() => zmq({ localWorkers: -1 })).toThrow(/localWorkers/);
    expect(() => zmq({ curve: false, keyFile })).toThrow(/curve/);
  });

  it('reads FUTURES_ZMQ_<OPTION> (older names with a warning) and refuses the ambiguous FUTURES_HEARTBEAT_TIMEOUT', async () => {
    const byName = async (env: Record<string, string>): Promise<unknown> => {
      Object.assign(process.env, env);
      try {
        return await pool({ transport: 'zmq', maxWorkers: 1 })
          .bootup()
          .catch((e: unknown) => e);
      } finally {
        for (const k of Object.keys(env)) delete process.env[k];
      }
    };
    expect(String(await byName({ FUTURES_ZMQ_HEARTBEAT_INTERVAL: 'often' }))).toMatch(
      /heartbeatInterval \(from environment variable FUTURES_ZMQ_HEARTBEAT_INTERVAL\) must be an integer/,
    );
    expect(String(await byName({ FUTURES_HEARTBEAT_INTERVAL: 'often' }))).toMatch(
      /from environment variable FUTURES_HEARTBEAT_INTERVAL\)/,
    );
    expect(String(await byName({ FUTURES_HEARTBEAT_TIMEOUT: '9000' }))).toMatch(
      /FUTURES_HEARTBEAT_TIMEOUT is no longer read.*FUTURES_ZMQ_HEARTBEAT_TIMEOUT/,
    );
    // the worker command reads its own variables the same way
    const worker = parseWorkerArgs([], {
      FUTURES_ZMQ_CONNECT: 'tcp://127.0.0.1:5555',
      FUTURES_ZMQ_KEY_FILE: keyFile,
    });
    expect(worker.connect).toBe('tcp://127.0.0.1:5555');
    expect(worker.secret).not.toBeNull();
    expect(
      parseWorkerArgs([], { FUTURES_CONNECT: 'tcp://127.0.0.1:1', FUTURES_KEY_FILE: keyFile }).connect,
    ).toBe('tcp://127.0.0.1:1');
  });

  it('refuses to listen beyond loopback without a key, or without CURVE', async () => {
    const noKey = pool({ transport: zmq({ bind: 'tcp://0.0.0.0:0', localWorkers: 0 }) });
    const e1 = await noKey.bootup().catch((e: unknown) => e);
    expect((e1 as Error).name).toBe('KeyError');
    expect(e1).toBeInstanceOf(FuturesError);
    expect((e1 as FuturesError).code).toBe('ERR_FUTURES_ZMQ_KEY');
    expect(String((e1 as Error).message)).toMatch(/needs a cluster key.*futures keygen/);
    // the executor is broken for good
    expect(await noKey.submit(echo, 1).catch((e: unknown) => e)).toBeInstanceOf(BrokenExecutorError);
    const noCurve = pool({ transport: zmq({ bind: 'tcp://0.0.0.0:0', curve: false, localWorkers: 0 }) });
    expect(String(((await noCurve.bootup().catch((e: unknown) => e)) as Error).message)).toMatch(
      /only allowed on loopback/,
    );
  });

  it('keys: keygen format, validation, and two distinct derived key pairs', () => {
    const k = keygen();
    expect(k).toMatch(/^fzk1\.[A-Za-z0-9_-]{43}$/);
    expect(() => parseKey('fzk1.short', 'test')).toThrow(/valid key/);
    expect(() => parseKey('hunter2', 'test')).toThrow(/futures keygen/);
    const a = deriveKeys(parseKey(k, 'test'));
    const b = deriveKeys(parseKey(k, 'test'));
    expect(a.server.publicKey).toBe(b.server.publicKey);
    expect(a.server.publicKey).not.toBe(a.client.publicKey);
    expect(a.server.publicKey).toHaveLength(40);
    expect(deriveKeys(parseKey(keygen(), 'test')).client.publicKey).not.toBe(a.client.publicKey);
  });

  it('futures keygen -o writes a private key file and never overwrites one', async () => {
    const file = path.join(dir, 'new.key');
    const { keygenCommand } = await import('../src/cli.js');
    expect(await keygenCommand(['-o', file])).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^fzk1\./m);
    expect(await keygenCommand(['-o', file])).toBe(1);
  });
});

describe('membership', () => {
  it('loads by name with its options; remote workers (futures worker -n 2) join a pool that waits for them', async () => {
    const port = await freePort();
    const q = pool({
      transport: 'zmq',
      localWorkers: 0,
      waitWorkers: 2,
      keyFile,
      bind: `tcp://127.0.0.1:${port}`,
      ...HB,
      initializer: task(TASKS, 'init'),
      initargs: ['remote'],
    });
    const boot = q.bootup();
    const sup = workerProc([
      '--connect',
      `tcp://127.0.0.1:${port}`,
      '--key-file',
      keyFile,
      '-n',
      '2',
      ...hbArgs(),
    ]);
    await boot;
    expect(q.numWorkers).toBe(2);
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => q.submit(who, i)));
    for (const r of results) {
      expect(r.tag).toBe('remote');
      expect(r.pid).not.toBe(process.pid);
    }
    await q.shutdown();
    expect((await sup.waitExit()).code).toBe(0);
  });

  it('with --reconnect, a worker outlives its pool and joins the next one at the same address', async () => {
    const port = await freePort();
    const opts = { localWorkers: 0, keyFile, bind: `tcp://127.0.0.1:${port}`, ...HB };
    const first = pool({ transport: zmq(opts) });
    const boot = first.bootup();
    const sup = workerProc([
      '--connect',
      `tcp://127.0.0.1:${port}`,
      '--key-file',
      keyFile,
      '--reconnect',
      ...hbArgs(),
    ]);
    await boot;
    const pid1 = (await first.submit(who, 1)).pid;
    await first.shutdown();
    const second = pool({ transport: zmq(opts) });
    await second.bootup(); // the same supervisor's next worker process joins
    const pid2 = (await second.submit(who, 2)).pid;
    expect(pid2).not.toBe(pid1); // a fresh process for each pool
    expect(sup.exit).toBeNull();
    await second.shutdown();
    sup.kill('SIGTERM');
    expect((await sup.waitExit()).code).toBe(143);
  });

  it('a worker that dies of an uncaught error is reported with that error, not just its exit code', async () => {
    const gate = await openGate();
    const p = pool({ transport: zmq({ ...HB }), maxWorkers: 1, retries: 0, maxInFlight: 1 });
    await p.bootup();
    expect(await p.submit(throwLater, 'boom in a timer')).toBe('returned');
    // the next task is held on the worker while the timer fires: it dies holding it
    const held = p.submit(hold, gate.path, 0);
    const error = (await held.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(WorkerLostError);
    expect(error.message, error.message).toMatch(/died of an uncaught RangeError: boom in a timer\n\s+at /);
    gate.openAll();
  });

  it.each([1, 0])(
    'a worker killed mid-task (retries %i): retried elsewhere, or WorkerLostError; a local one is replaced',
    async (retries) => {
      const gate = await openGate();
      // one task per worker at a time, so that held tasks must spread over distinct workers
      const p = pool({ transport: zmq({ ...HB }), maxWorkers: 2, retries, maxInFlight: 1 });
      await p.bootup();
      const first = [0, 1].map((i) => p.submit(hold, gate.path, i));
      await gate.until((arr) => new Set(arr.map((a) => a.pid)).size === 2);
      const victim = gate.arrivals[0]!;
      gate.autoRelease((a) => a.pid !== victim.pid && a.i < 2);
      process.kill(victim.pid, 'SIGKILL');
      const [r0, r1] = await Promise.allSettled(first);
      const mine = victim.i === 0 ? r0! : r1!;
      const other = victim.i === 0 ? r1! : r0!;
      expect(other.status).toBe('fulfilled');
      if (retries > 0) {
        expect(mine.status).toBe('fulfilled');
        expect((mine as PromiseFulfilledResult<{ pid: number }>).value.pid).not.toBe(victim.pid);
        expect(p.stats().retried).toBe(1);
      } else {
        expect(mine.status).toBe('rejected');
        expect((mine as PromiseRejectedResult).reason).toBeInstanceOf(WorkerLostError);
      }
      // a replacement joined: two held tasks now run at once, on two live workers
      const more = [2, 3].map((i) => p.submit(hold, gate.path, i));
      await gate.until((arr) => new Set(arr.filter((a) => a.i >= 2).map((a) => a.pid)).size === 2);
      expect(gate.arrivals.filter((a) => a.i >= 2).some((a) => a.pid === victim.pid)).toBe(false);
      gate.openAll();
      await Promise.all(more);
      expect(p.numWorkers).toBe(2);
    },
  );
});

function hbArgs(): string[] {
  return [
    '--heartbeat-interval',
    String(HB.heartbeatInterval),
    '--heartbeat-timeout',
    String(HB.heartbeatTimeout),
  ];
}

describe('hostile input', () => {
  it('malformed and oversized messages from an authenticated peer are dropped with a log line; a running map is undisturbed', async () => {
    const port = await freePort();
    const gate = await openGate();
    const p = pool({
      transport: zmq({ ...HB, keyFile, bind: `tcp://127.0.0.1:${port}`, maxMessageBytes: 64 * 1024 }),
      maxWorkers: 2,
    });
    await p.bootup();
    const peer = curvePeer(keyText);
    const expected = [
      /unknown kind 99/,
      /frame without a head/,
      /malformed frame from worker/, // core's decoder refused the head
      /dropped a \d+-byte message \(maxMessageBytes 65536\)/,
    ];
    const seen: string[] = [];
    let wake: () => void = () => {};
    const onWarning = (w: Error): void => {
      seen.push(w.message);
      wake();
    };
    process.on('warning', onWarning);
    try {
      peer.connect(`tcp://127.0.0.1:${port}`);
      await peer.send([Buffer.from([1]), JSON.stringify({ v: 1, host: 'fake', pid: 1 })]);
      const [kind] = await peer.receive(); // welcome: it is a member now
      expect(kind![0]).toBe(2);
      const items = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? new Float64Array(512).fill(i) : i));
      const out: unknown[] = [];
      // the last item waits at the gate, so the map is still running while the garbage lands
      const args = items.map((v, i): [string, number, number, unknown] => [
        gate.path,
        items.length - 1,
        i,
        v,
      ]);
      for await (const r of p.starmap(echoOrHold, args)) {
        out.push(r);
        if (out.length === 1) {
          await peer.send([Buffer.from([99]), Buffer.from('x')]); // an unknown kind
          await peer.send([Buffer.from([3])]); // a frame without a head
          await peer.send([Buffer.from([3]), Buffer.from([0xee, 1, 2])]); // a head core cannot decode
          const part = Buffer.alloc(30 * 1024);
          await peer.send([Buffer.from([3]), part, part, part]); // 90 KiB in all: over maxMessageBytes
          while (!expected.every((re) => seen.some((w) => re.test(w)))) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
          gate.openAll();
        }
      }
      expect(out).toEqual(items);
    } finally {
      process.off('warning', onWarning);
      peer.close();
    }
    // the pool still works, with its own two workers
    expect(await p.submit(echo, 'still here')).toBe('still here');
    expect(p.stats().workers).toHaveLength(2);
  });

  it("the local workers' Unix socket is private and admits only processes the controller started", async () => {
    let transport: ZmqTransport | null = null;
    const factory = zmq({ ...HB });
    const p = pool({
      maxWorkers: 1,
      transport: { name: 'zmq', create: (ctx) => (transport = factory.create(ctx) as ZmqTransport) },
    });
    await p.bootup();
    const address = transport!.connectAddress;
    expect(address).toMatch(/^ipc:\/\//);
    expect(fs.statSync(path.dirname(address.slice('ipc://'.length))).mode & 0o777).toBe(0o700);
    const peer = new zeromq.Dealer({ linger: 0 });
    peer.connect(address);
    await peer.send([Buffer.from([1]), JSON.stringify({ v: 1, host: 'x', pid: 1, token: 'forged' })]);
    const [kind] = await peer.receive();
    expect(kind![0]).toBe(6); // goodbye, no welcome
    await peer.send([Buffer.from([3]), Buffer.from([18, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0])]); // forged results
    const [again] = await peer.receive();
    expect(again![0]).toBe(7); // reset: it has no link
    peer.close();
    expect(await p.submit(echo, 'ok')).toBe('ok');
    expect(p.stats().workers).toHaveLength(1);
    await p.shutdown();
    expect(fs.existsSync(path.dirname(address.slice('ipc://'.length)))).toBe(false); // removed at shutdown
  });

  it('a worker drops malformed frames from its controller with a log line and keeps going', async () => {
    const keys = deriveKeys(parseKey(keyText, 'test'));
    const ctx = new zeromq.Context();
    const zap = new zeromq.Router({ context: ctx, linger: 0 });
    await zap.bind('inproc://zeromq.zap.01');
    void (async () => {
      for await (const [r, d, v, id] of zap) await zap.send([r!, d!, v!, id!, '200', 'OK', 'w', '']);
    })().catch(() => {});
    const router = new zeromq.Router({
      context: ctx,
      linger: 0,
      curveServer: true,
      curveSecretKey: keys.server.secretKey,
      zapDomain: 'x',
    });
    await router.bind('tcp://127.0.0.1:*');
    const w = workerProc(['--connect', router.lastEndpoint!, '--key-file', keyFile, ...hbArgs()]);
    const [identity, hello] = await router.receive();
    expect(hello![0]).toBe(1);
    await router.send([identity!, Buffer.from([2]), JSON.stringify({ workerId: 1 })]);
    await router.send([identity!, Buffer.from([3]), Buffer.from([0xee, 0xff])]); // not a core message
    await router.send([identity!, Buffer.from([42])]); // unknown kind
    await w.until((x) => /malformed/.test(x.stderr), 'the worker logs the malformed frame');
    await router.send([identity!, Buffer.from([6]), 'test over']);
    expect((await w.waitExit()).code).toBe(0); // it survived and left when released
    router.close();
    zap.close();
  });
});
