import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alive, untilGone } from '@futures/core/conformance';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, start } from './support/cli.js';

/** Pids of every live process in process group `pgid` (the program runs in a group of its own). */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** Live child processes of `pid`. */
function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function threadsOf(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/task`).length;
}

async function interruptLongMap(
  signal: NodeJS.Signals,
  programArgs: string[],
): Promise<{ status: number | null; ms: number }> {
  const run = start(BIN, ['run', '--transport=shm', '-n', '2', 'long-map.mjs', ...programArgs]);
  const m = await run.waitFor(/\{"pid":(\d+),"workers":2\}/);
  const pid = Number(m[1]);
  // the program runs in its own process group, with its worker threads
  expect(alive(pid)).toBe(true);
  expect(groupMembers(pid)).toContain(pid);
  expect(threadsOf(pid)).toBeGreaterThanOrEqual(3);
  const t0 = performance.now();
  run.child.kill(signal);
  const r = await run.done;
  const ms = performance.now() - t0;
  // nothing is left: not the program (and so none of its threads), nor anything in its group
  expect(alive(pid)).toBe(false);
  expect(groupMembers(pid)).toEqual([]);
  return { status: r.code, ms };
}

describe('signals stop everything the command started', () => {
  it('with --transport=zmq, SIGINT leaves no worker process behind, and no socket directory', async () => {
    // the zmq transport's private socket directory goes to TMPDIR: a fresh one shows leftovers
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'futures-cli-signal-'));
    const run = start(BIN, ['run', '--transport=zmq', '-n', '2', 'long-map.mjs'], {
      env: { ...cleanEnv(), TMPDIR: tmp },
    });
    const m = await run.waitFor(/\{"pid":(\d+),"workers":2\}/);
    const pid = Number(m[1]);
    const workers = childrenOf(pid); // the local worker processes the zmq transport started
    expect(workers.length).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    // they end with their controller (a watchdog in each sees its parent gone); bounded wait
    expect(await untilGone(() => workers.filter(alive), 15_000)).toEqual([]);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('futures-zmq-'))).toEqual([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGINT during a long map ends the program and its workers at once, exit 130', async () => {
    const { status, ms } = await interruptLongMap('SIGINT', []);
    expect(status).toBe(130);
    expect(ms).toBeLessThan(5000);
  });

  it('SIGTERM does the same, exit 143', async () => {
    const { status, ms } = await interruptLongMap('SIGTERM', []);
    expect(status).toBe(143);
    expect(ms).toBeLessThan(5000);
  });

  it('a program that ignores SIGINT is killed after the grace period', async () => {
    const { status, ms } = await interruptLongMap('SIGINT', ['ignore-signals']);
    expect(status).toBe(137);
    expect(ms).toBeGreaterThanOrEqual(2900);
    expect(ms).toBeLessThan(10_000);
  });

  it('a second SIGINT kills a program that ignores the first one at once', async () => {
    const run = start(BIN, ['run', '--transport=shm', '-n', '2', 'long-map.mjs', 'ignore-signals']);
    const pid = Number((await run.waitFor(/\{"pid":(\d+)/))[1]);
    run.child.kill('SIGINT');
    // the CLI forwarded the first one: the program saw it and ignores it
    await run.waitFor(/ignored SIGINT/);
    run.child.kill('SIGINT');
    const t0 = performance.now();
    const r = await run.done;
    expect(performance.now() - t0).toBeLessThan(2900);
    expect(r.code).toBe(137);
    expect(alive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
  });

  it.each([
    ['is interrupted', 'wait', 130],
    ['exits', 'exit', 5],
  ])('processes the program started are ended when it %s', async (_what, mode, status) => {
    const run = start(BIN, ['run', 'grandchild.mjs', mode]);
    const m = await run.waitFor(/\{"pid":(\d+),"helper":(\d+)\}/);
    const helper = Number(m[2]);
    if (mode === 'wait') {
      expect(alive(helper)).toBe(true);
      run.child.kill('SIGINT');
    }
    const r = await run.done;
    expect(r.code).toBe(status);
    expect(alive(Number(m[1]))).toBe(false);
    expect(alive(helper)).toBe(false);
  });
});
