import * as fs from 'node:fs';
import { allGone } from '@futures/core/conformance';
import { afterEach, describe, expect, it } from 'vitest';
import { Proc } from './support/proc.js';

// No worker process outlives its controller program, however that program ends.
const CONTROLLER = new URL('./fixtures/controller.mjs', import.meta.url).pathname;

describe('local worker processes end with their controller', () => {
  const procs: Proc[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
  });

  const start = (cfg: Record<string, unknown>, detached = false): Proc => {
    const p = new Proc(
      process.execPath,
      [CONTROLLER, JSON.stringify({ mode: 'lifecycle', maxWorkers: 2, ...cfg })],
      {
        detached,
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    procs.push(p);
    return p;
  };

  const pidsOf = async (p: Proc): Promise<number[]> => {
    const e = await p.event('pids');
    const pids = e.pids as number[];
    expect(pids).toHaveLength(2);
    return pids;
  };
  /** The private socket directory of the local workers exists now; `gone()` checks it was removed. */
  const ipcDirOf = async (p: Proc): Promise<{ dir: string; gone: () => Promise<void> }> => {
    const e = await p.event('pids');
    const dir = e.ipcDir as string;
    // the program checked this while its pool ran; it may already have ended (e.g. process.exit)
    expect(e.ipcDirExists).toBe(true);
    return {
      dir,
      gone: async () => {
        const deadline = Date.now() + 10_000;
        while (fs.existsSync(dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(fs.existsSync(dir)).toBe(false);
      },
    };
  };

  it.each([
    ['shutdown() and a normal end', 'normal', 0],
    ['a normal end without shutdown() (an idle pool does not keep the process alive)', 'noshutdown', 0],
    ['an uncaught error', 'throw', 1],
    ['process.exit()', 'exit', 3],
  ])('%s', async (_name, end, code) => {
    const p = start({ end });
    const pids = await pidsOf(p);
    const ipc = await ipcDirOf(p);
    expect((await p.waitExit()).code).toBe(code);
    await allGone(pids);
    await ipc.gone();
  });

  it.each([
    ['SIGINT to the process group (Ctrl-C)', 'SIGINT'],
    ['SIGTERM', 'SIGTERM'],
    ['SIGKILL (no exit handler runs)', 'SIGKILL'],
  ] as const)('%s', async (_name, signal) => {
    const p = start({ end: 'wait' }, true);
    const pids = await pidsOf(p);
    const ipc = await ipcDirOf(p);
    await p.event('spinning'); // a worker is busy in a synchronous task: it cannot notice anything itself
    if (signal === 'SIGINT') process.kill(-p.child.pid!, 'SIGINT');
    else p.kill(signal);
    expect((await p.waitExit()).signal).toBe(signal);
    await allGone(pids);
    await ipc.gone(); // by the controller as the signal ends it, else by the workers' watchdogs
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the controller alone: it removes the socket directory itself as the signal ends it',
    async (signal) => {
      const p = start({ end: 'wait' }, true);
      const pids = await pidsOf(p);
      const ipc = await ipcDirOf(p);
      await p.event('spinning');
      for (const pid of pids) process.kill(pid, 'SIGSTOP'); // the workers' watchdogs cannot help now
      try {
        p.kill(signal);
        expect((await p.waitExit()).signal).toBe(signal); // still ended by the signal
        expect(fs.existsSync(ipc.dir)).toBe(false);
      } finally {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {}
        }
      }
      await allGone(pids);
    },
  );
});
