/**
 * Entry of every shm worker thread: links core's worker runtime to the two rings.
 *
 * The thread reads frames from the to-worker ring and hands each to runtime.handle();
 * results go back through the to-controller ring. When the runtime is idle (no task
 * queued or running) the thread sleeps in Atomics.wait on its doorbell; while tasks are
 * pending it must keep its event loop running (async tasks, timers), so it waits with
 * Atomics.waitAsync instead, and still sees new frames (e.g. an abort) at once.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import type { Frame } from '@futures/core/transport';
import type * as CoreWorker from '@futures/core/worker';
import { Bell, lower, raise } from './bell.js';
import { Inbox } from './inbox.js';
import {
  CONTROL_BYTES,
  CTRL_BELL,
  CTRL_WAITING,
  CTRL_WANTS_SPACE,
  WORKER_BELL,
  WORKER_WAITING,
  WORKER_WANTS_SPACE,
  type WorkerBootData,
} from './layout.js';
import { Outbox } from './outbox.js';

const boot = workerData as WorkerBootData & { port: MessagePort };
const ctl = new Int32Array(boot.link, 0, CONTROL_BYTES / 4);
const port = boot.port;
/** Ours: the controller rings it for new frames or room. Its: we ring it the same way (bell.ts). */
const myBell = new Bell(ctl, WORKER_BELL);
const controllerBell = new Bell(new Int32Array(boot.bell), CTRL_BELL);

const outbox = new Outbox(
  boot.link,
  boot.ringBytes,
  'to-controller',
  ctl,
  port,
  controllerBell.wakerFor(controllerBell.words, CTRL_WAITING),
  boot.largeResultBytes,
);
const inbox = new Inbox(
  boot.link,
  boot.ringBytes,
  'to-worker',
  ctl,
  port,
  controllerBell.wakerFor(ctl, CTRL_WANTS_SPACE),
);

const core = (await import(boot.runtimeUrl)) as typeof CoreWorker;
// TypeScript task modules: tsx (the application's, an optional peer dependency) is registered
// in this thread by core, on first use ("auto", core's default) or now ("always"); "off" never.
if (boot.typescript === 'always') await core.registerTypeScript();

let closing = false;
let scheduled = false;
let asyncArmed = false;
// Holds the event loop open while tasks are pending (a pending waitAsync does not).
const keepAlive = setInterval(() => {}, 1 << 30);
keepAlive.unref();

const runtime = core.serveWorker(
  {
    send(frame: Frame): void {
      outbox.send(frame);
      schedule(); // the runtime may have become idle: re-evaluate, maybe sleep
    },
    close(): void {
      closing = true;
      schedule();
    },
    // Between tasks the runtime reads the ring itself: no turn of the event loop needed.
    receive(): void {
      inbox.poll(deliver);
      outbox.pump();
    },
  },
  boot.typescript === 'auto' ? {} : { beforeImport: () => undefined },
);

const deliver = (frame: Frame): void => runtime.handle(frame);

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(turn);
}

function turn(): void {
  scheduled = false;
  loop();
}

/** One turn of the worker: runs only as a macrotask, so blocking here never stalls a microtask. */
function loop(): void {
  for (;;) {
    const got = inbox.poll(deliver);
    const flushed = outbox.pump();
    if (closing && flushed && runtime.idle) {
      port.close();
      process.exit(0);
    }
    if (got > 0) {
      // The runtime runs what it just received as microtasks: let them run, then look again.
      schedule();
      return;
    }
    if (!runtime.idle) {
      armAsync(!flushed);
      return;
    }
    keepAlive.unref();
    // Idle: block this thread until the controller rings (no event loop work is pending).
    const seen = prepareSleep(!flushed);
    if (seen === null) {
      lower(ctl, WORKER_WAITING);
      continue;
    }
    myBell.sleep(seen);
  }
}

/**
 * Asks the controller to ring us for new frames (and for room when `wantsSpace`: our writes
 * wait for it), then looks again; the bell value to sleep on, or null when work is here.
 */
function prepareSleep(wantsSpace: boolean): number | null {
  return myBell.prepareSleep(
    () => {
      raise(ctl, WORKER_WAITING);
      if (wantsSpace) raise(ctl, WORKER_WANTS_SPACE);
    },
    () => inbox.available() || (wantsSpace && outbox.canProgress()),
  );
}

/**
 * Tasks are pending (async ones wait on timers or I/O): keep the event loop running and
 * get woken for new frames or room by a waitAsync on the same bell, with the same
 * announcement as in loop() (a stale waitAsync cannot absorb a later ring: bell.ts).
 */
function armAsync(wantsSpace: boolean): void {
  keepAlive.ref();
  if (asyncArmed) return;
  const seen = prepareSleep(wantsSpace);
  const rung = seen === null ? null : myBell.sleepAsync(seen);
  if (rung === null) {
    schedule(); // work arrived, or the bell moved since we read it
    return;
  }
  asyncArmed = true;
  void rung.then(() => {
    asyncArmed = false;
    schedule();
  });
}

schedule();
