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
import { waitAsync } from './util.js';

const boot = workerData as WorkerBootData & { port: MessagePort };
const ctl = new Int32Array(boot.link, 0, CONTROL_BYTES / 4);
const bell = new Int32Array(boot.bell);
const port = boot.port;

function ring(arr: Int32Array, index: number): void {
  Atomics.add(arr, index, 1);
  Atomics.notify(arr, index);
}

// Wake the controller only when it announced it sleeps (one notify per sleep, coalesced).
const outbox = new Outbox(
  boot.link,
  boot.ringBytes,
  'to-controller',
  ctl,
  port,
  () => {
    if (Atomics.exchange(bell, CTRL_WAITING, 0) !== 0) ring(bell, CTRL_BELL);
  },
  boot.largeResultBytes,
);
const inbox = new Inbox(boot.link, boot.ringBytes, 'to-worker', ctl, port, () => {
  if (Atomics.exchange(ctl, CTRL_WANTS_SPACE, 0) !== 0) ring(bell, CTRL_BELL);
});

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
    // Idle: sleep until the controller rings. Race reasoning: we read the bell, then store
    // WORKER_WAITING = 1 (and WORKER_WANTS_SPACE when our writes wait for room), then
    // re-check both rings. The controller stores HEAD (or TAIL) before it swaps the flag
    // to 0 and bumps the bell. With sequentially consistent Atomics, either the re-check
    // sees its bytes, or it sees our flag and bumps the bell after we read it, so
    // Atomics.wait(bell, seen) returns at once or is notified: no lost wake-up.
    const seen = Atomics.load(ctl, WORKER_BELL);
    Atomics.store(ctl, WORKER_WAITING, 1);
    if (!flushed) Atomics.store(ctl, WORKER_WANTS_SPACE, 1);
    if (inbox.available() || (!flushed && outbox.canProgress())) {
      Atomics.store(ctl, WORKER_WAITING, 0);
      continue;
    }
    Atomics.wait(ctl, WORKER_BELL, seen);
  }
}

/**
 * Tasks are pending (async ones wait on timers or I/O): keep the event loop running and
 * get woken for new frames or room by a waitAsync on the same bell, with the same flag
 * protocol as in loop(). The controller notifies every waiter, so a stale waitAsync
 * never absorbs the wake-up meant for a later Atomics.wait.
 */
function armAsync(wantsSpace: boolean): void {
  keepAlive.ref();
  if (asyncArmed) return;
  const seen = Atomics.load(ctl, WORKER_BELL);
  Atomics.store(ctl, WORKER_WAITING, 1);
  if (wantsSpace) Atomics.store(ctl, WORKER_WANTS_SPACE, 1);
  if (inbox.available() || (wantsSpace && outbox.canProgress())) {
    schedule();
    return;
  }
  const r = waitAsync(ctl, WORKER_BELL, seen);
  if (!r.async) {
    schedule(); // 'not-equal': the bell moved since we read it
    return;
  }
  asyncArmed = true;
  void r.value.then(() => {
    asyncArmed = false;
    schedule();
  });
}

schedule();
