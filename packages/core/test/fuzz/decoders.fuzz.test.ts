import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedFrameError } from '../../src/serialization/malformed.js';
import {
  decodeControllerMessage,
  decodeWorkerMessage,
  encodeControllerMessage,
  type Frame,
  TaskBatchWriter,
} from '../../src/transport/frame.js';
import { CallMode } from '../../src/transport/protocol.js';
import { serveWorker } from '../../src/worker/index.js';
import { FRAME_BUDGET_MS, params } from './config.js';
import { controllerFrame, mutated, workerFrame } from './frames.js';

/** Runs `decode`; it must return or throw MalformedFrameError, within the per-frame budget. */
function decodesOrRefuses(decode: () => unknown): 'ok' | 'refused' {
  const t0 = performance.now();
  let outcome: 'ok' | 'refused' = 'ok';
  try {
    decode();
  } catch (error) {
    if (!(error instanceof MalformedFrameError)) throw error;
    expect(error.code).toBe('ERR_FUTURES_MALFORMED_FRAME');
    outcome = 'refused';
  }
  expect(performance.now() - t0).toBeLessThan(FRAME_BUDGET_MS);
  return outcome;
}

describe('frame decoders on damaged input (property-based)', () => {
  it('a worker → controller frame decodes or is refused with MalformedFrameError, in bounded time', () => {
    let refused = 0;
    fc.assert(
      fc.property(mutated(workerFrame), (f) => {
        if (decodesOrRefuses(() => decodeWorkerMessage(f, () => {})) === 'refused') refused++;
      }),
      params(3000),
    );
    expect(refused).toBeGreaterThan(0); // the mutations do reach the error paths
  });

  it('a controller → worker frame decodes or is refused with MalformedFrameError, in bounded time', () => {
    fc.assert(
      fc.property(mutated(controllerFrame), (f) => {
        decodesOrRefuses(() => decodeControllerMessage(f));
      }),
      params(3000),
    );
  });

  it('claimed lengths of 2^31 and more neither allocate nor loop', () => {
    const heads = [
      [18, 0xff, 0xff, 0xff, 0x7f], // Results: 2^31 - 1 results
      [19, 0xff, 0xff, 0xff, 0xff, 0x0f], // Revoked: 2^32 - 1 ids
      [2, 0xff, 0xff, 0xff, 0xff, 0x0f], // Tasks: 2^32 - 1 definitions
      [2, 0, 0xff, 0xff, 0xff, 0xff], // Tasks: 2^32 - 1 calls
      [16, 8, 0xff, 0xff, 0xff, 0xff, 0x07], // Ready: an object of 2^31 keys
      [16, 7, 0xff, 0xff, 0xff, 0xff, 0x07], // Ready: an array of 2^31 items
      [16, 6, 0xff, 0xff, 0xff, 0xff, 0x07, 0x61], // Ready: a string of 2^31 bytes
      [16, 13, 0xff, 0xff, 0xff, 0xff, 0x07, 0xff, 0x0f], // Ready: a v8 value of 2^31 bytes
      [16, ...new Array<number>(20_000).fill(7).flatMap(() => [7, 1])], // 20000 nested arrays
    ];
    for (const head of heads) {
      const f = { head: Uint8Array.from(head), bufs: [] };
      expect(decodesOrRefuses(() => decodeWorkerMessage(f, () => {}))).toBe('refused');
      expect(decodesOrRefuses(() => decodeControllerMessage(f))).toBe('refused');
    }
  });

  it("the worker runtime drops what it cannot decode, never throws, and still serves its controller's tasks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mutated(controllerFrame), { minLength: 1, maxLength: 20 }),
        async (frames) => {
          const sent: Frame[] = [];
          const rt = serveWorker({ send: (f) => sent.push(f), close: () => {} });
          rt.handle(validInit());
          for (const f of frames) {
            // well-formed commands (a stop, another init, a batch of unknown functions) are
            // the controller's to send; only what does not decode is the fuzz input here
            let ok = true;
            try {
              decodeControllerMessage(f);
            } catch {
              ok = false;
            }
            if (!ok) expect(() => rt.handle(f)).not.toThrow();
          }
          rt.handle(addBatch());
          const results = await resultsFor(sent, 424242);
          expect(results).toEqual([true, 5]);
        },
      ),
      params(100),
    );
  });
});

function validInit(): Frame {
  return encodeControllerMessage({
    type: 'init',
    init: { workerId: 1, initializer: null, initargs: [], env: null, cwd: null },
  });
}

function addBatch(): Frame {
  const b = new TaskBatchWriter();
  b.begin([{ fnId: 9999, spec: { kind: 'source', source: '(a, b) => a + b', name: 'add' } }]);
  b.add(424242, 9999, CallMode.Single, [2, 3]);
  return b.finish();
}

/** Waits (bounded) for the result of `taskId` among the frames the worker sent. */
async function resultsFor(sent: Frame[], taskId: number): Promise<[boolean, unknown]> {
  for (let i = 0; i < 2000; i++) {
    for (const f of sent) {
      let found: [boolean, unknown] | null = null;
      try {
        decodeWorkerMessage(f, (id, ok, v) => {
          if (id === taskId) found = [ok, v];
        });
      } catch {}
      if (found !== null) return found;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`no result for task ${taskId}`);
}
