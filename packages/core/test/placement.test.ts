import { describe, expect, it } from 'vitest';
import { Job } from '../src/executor/job.js';
import { DurationBook } from '../src/executor/placement.js';
import { WorkerSlot } from '../src/executor/worker-slot.js';
import { Future } from '../src/index.js';
import { CallMode } from '../src/transport/protocol.js';

const job = (fnId = 1): Job => new Job(new Future<unknown>(), fnId, CallMode.Single, [], 0);

describe('DurationBook', () => {
  it('knows nothing of a function that never finished, then averages its run times', () => {
    const book = new DurationBook();
    const j = job();
    expect(book.estimate(j)).toBe(Number.POSITIVE_INFINITY);
    expect(book.spread(j)).toBe(0);
    book.observe(j, 10);
    expect(book.estimate(j)).toBe(10);
    expect(book.spread(j)).toBe(0);
    for (let i = 0; i < 50; i++) book.observe(j, 10);
    expect(book.estimate(j)).toBeCloseTo(10, 6);
    expect(book.spread(j)).toBeCloseTo(0, 6);
  });

  it('learns how far run times stray: uneven durations have a spread, even ones none', () => {
    const book = new DurationBook();
    const uneven = job(1);
    const even = job(2);
    for (let i = 0; i < 100; i++) {
      book.observe(uneven, i % 2 === 0 ? 2 : 18);
      book.observe(even, 10);
    }
    expect(book.estimate(uneven)).toBeGreaterThan(5);
    expect(book.estimate(uneven)).toBeLessThan(15);
    expect(book.spread(uneven)).toBeGreaterThan(5);
    expect(book.spread(even)).toBeCloseTo(0, 6);
  });
});

describe('WorkerSlot overdue', () => {
  /** A slot whose head started at t=0 with the given estimate and spread. */
  function slotWithHead(estMs: number, spreadMs: number): WorkerSlot {
    const slot = new WorkerSlot(1);
    const head = job();
    head.estMs = estMs;
    head.spreadMs = spreadMs;
    slot.push(head, 0);
    return slot;
  }

  it('counts a head of even durations overdue soon after twice its estimate', () => {
    const slot = slotWithHead(10, 0);
    expect(slot.headOverdue(20)).toBe(false);
    expect(slot.headOverdue(30)).toBe(true);
    expect(slot.hasRoom(30, 64)).toBe(false); // nothing is placed behind an overdue head
  });

  it('gives a head of uneven durations the room its spread asks for before calling it overdue', () => {
    const slot = slotWithHead(10, 10);
    expect(slot.headOverdue(30)).toBe(false);
    expect(slot.hasRoom(30, 64)).toBe(true);
    expect(slot.headOverdue(80)).toBe(true);
  });

  it('counts a head of unknown duration overdue at once', () => {
    const slot = slotWithHead(Number.POSITIVE_INFINITY, 0);
    expect(slot.headOverdue(0)).toBe(true);
  });
});
