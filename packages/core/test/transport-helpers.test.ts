import { describe, expect, it } from 'vitest';
import { chooseTransportName } from '../src/config/resolve.js';
import type { TransportContext } from '../src/transport/contract.js';
import { ARGV_DASH_C_IMPORT } from '../src/transport/exec-argv.js';
import { KeepAlive } from '../src/transport/keep-alive.js';
import { workerLaunch } from '../src/transport/worker-launch.js';

describe('KeepAlive: the one keep-alive rule of every transport', () => {
  it('holds while active, booting or stopping, never after close, and calls apply only on a change', () => {
    const calls: boolean[] = [];
    const k = new KeepAlive((hold) => calls.push(hold));
    expect(k.holds).toBe(false);
    k.setBooting(true);
    k.setActive(true);
    k.setBooting(false);
    expect(calls).toEqual([true]); // still active: no change
    k.setActive(false);
    expect(calls).toEqual([true, false]);
    k.setActive(false);
    expect(calls).toEqual([true, false]);
    k.setStopping();
    k.setActive(false); // the executor going idle does not end a stop
    expect([k.holds, k.stopping]).toEqual([true, true]);
    k.close();
    k.setActive(true);
    k.setBooting(true);
    expect(calls).toEqual([true, false, true, false]);
    expect(k.holds).toBe(false);
  });
});

describe('chooseTransportName: one precedence for the executor and the CLI', () => {
  const file = { path: '/p/futures.config.json', settings: { transport: 'zmq' } };
  it('explicit > FUTURES_TRANSPORT > config file > fallback, naming the source', () => {
    const explicit = { value: 'mpi', source: 'option --transport' };
    expect(chooseTransportName(explicit, { FUTURES_TRANSPORT: 'x' }, file)).toEqual({
      name: 'mpi',
      source: 'option --transport',
    });
    expect(chooseTransportName(undefined, { FUTURES_TRANSPORT: 'x' }, file)).toEqual({
      name: 'x',
      source: 'environment variable FUTURES_TRANSPORT',
    });
    expect(chooseTransportName(undefined, { FUTURES_TRANSPORT: '' }, file)).toEqual({
      name: 'zmq',
      source: 'config file /p/futures.config.json',
    });
    expect(chooseTransportName(undefined, {}, null, 'zmq')).toEqual({ name: 'zmq', source: 'the default' });
    expect(chooseTransportName(undefined, {}, null).name).toBe('shm');
  });
  it('rejects what is not a name with ERR_FUTURES_INVALID_OPTION, naming the source and the fix', () => {
    const bad = { path: '/p/futures.config.json', settings: { transport: 'Shm Fast' } };
    expect(() => chooseTransportName(undefined, {}, bad)).toThrow(
      expect.objectContaining({
        name: 'TypeError',
        code: 'ERR_FUTURES_INVALID_OPTION',
        message: expect.stringMatching(/config file \/p\/futures\.config\.json.*"Shm Fast".*Fix/),
      }),
    );
    expect(() => chooseTransportName(undefined, {}, { path: '/q', settings: { transport: 3 } })).toThrow(
      /transport.*\/q/,
    );
  });
});

describe('workerLaunch: the one reading of env, cwd and execArgv for starting a worker', () => {
  const ctx = (over: Partial<TransportContext>): TransportContext => ({
    maxWorkers: 1,
    maxWorkersExplicit: false,
    env: null,
    cwd: null,
    execArgv: null,
    workerRuntimeUrl: 'file:///runtime.js',
    ...over,
  });
  it("puts the executor's env over this process's, and defaults cwd to this process's", () => {
    const launch = workerLaunch(ctx({ env: { FUTURES_LAUNCH_TEST: 'yes' }, cwd: '/tmp' }), 'process');
    expect(launch.env.FUTURES_LAUNCH_TEST).toBe('yes');
    expect(launch.env.PATH).toBe(process.env.PATH);
    expect(launch.cwd).toBe('/tmp');
    expect(process.env.FUTURES_LAUNCH_TEST).toBeUndefined(); // a copy: this process is untouched
    expect(workerLaunch(ctx({}), 'thread').cwd).toBe(process.cwd());
  });
  it("gives the user's execArgv as is; without one, a thread inherits and a process gets the inheritable flags", () => {
    expect(workerLaunch(ctx({ execArgv: ['--no-warnings'] }), 'thread').execArgv).toEqual(['--no-warnings']);
    expect(workerLaunch(ctx({}), 'thread').execArgv).toBeNull(); // vitest's own flags: not from a string
    const proc = workerLaunch(ctx({}), 'process').execArgv;
    expect(proc).not.toContain(ARGV_DASH_C_IMPORT);
    expect(Array.isArray(proc)).toBe(true);
  });
});
