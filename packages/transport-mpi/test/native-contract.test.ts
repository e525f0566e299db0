// The contract between the addon and the TypeScript: the enum tables the addon exports must
// equal what src/native.ts declares (checked at load), and each raw event row decodes into
// one event with named fields (src/native-events.ts).
import { FuturesError } from '@futures/core';
import { describe, expect, it } from 'vitest';
import { MpiUnavailableError } from '../src/errors.js';
import { assertEnumTables, DECLARED_ENUMS, type EnumTable, EventKind, loadNative } from '../src/native.js';
import { decodeEvent, META_STRIDE, type NativeEvent } from '../src/native-events.js';
import { HAS_MPI, NO_MPI_REASON } from './support/processes.js';

/** A deep copy of the declared tables, to damage one entry of. */
function copyOfDeclared(): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(DECLARED_ENUMS).map(([k, t]) => [k, { ...t }]));
}

function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('assertEnumTables', () => {
  it('passes when the tables are equal', () => {
    expect(() => assertEnumTables(DECLARED_ENUMS, copyOfDeclared())).not.toThrow();
  });

  it('names the enum, the member and both values of a mismatch, and says to rebuild', () => {
    const exported = copyOfDeclared();
    exported.eventKind!.Frame = 3;
    const error = thrown(() => assertEnumTables(DECLARED_ENUMS, exported));
    expect(error).toBeInstanceOf(MpiUnavailableError);
    expect(error).toBeInstanceOf(FuturesError);
    expect((error as MpiUnavailableError).code).toBe('ERR_FUTURES_MPI_UNAVAILABLE');
    expect(error.message).toContain('enum eventKind: Frame is 2 in TypeScript but 3 in the addon');
    expect(error.message).toContain('the addon build is stale');
    expect(error.message).toContain('pnpm --filter @futures/transport-mpi build');
  });

  it('finds a member missing on either side, a missing table, and an addon without tables', () => {
    const missing = copyOfDeclared();
    delete missing.reduceOp!.bxor;
    expect(thrown(() => assertEnumTables(DECLARED_ENUMS, missing)).message).toContain(
      'enum reduceOp: bxor is 6 in TypeScript but missing in the addon',
    );
    const extra = copyOfDeclared();
    extra.dtype!.Float16 = 10;
    expect(thrown(() => assertEnumTables(DECLARED_ENUMS, extra)).message).toContain(
      'enum dtype: Float16 is 10 in the addon but missing in TypeScript',
    );
    const noTable = copyOfDeclared();
    delete noTable.collOp;
    expect(thrown(() => assertEnumTables(DECLARED_ENUMS, noTable)).message).toContain(
      'it exports no enum collOp',
    );
    const unknownTable = { ...copyOfDeclared(), role: { Controller: 0 } };
    expect(thrown(() => assertEnumTables(DECLARED_ENUMS, unknownTable)).message).toContain(
      'the addon exports an enum role that TypeScript does not declare',
    );
    expect(thrown(() => assertEnumTables(DECLARED_ENUMS, undefined))).toBeInstanceOf(MpiUnavailableError);
  });
});

describe.skipIf(!HAS_MPI)(`the built addon's enum tables${HAS_MPI ? '' : ` (${NO_MPI_REASON})`}`, () => {
  it('equal the declared ones (loadNative asserts it)', () => {
    const addon = loadNative();
    expect(() => assertEnumTables(DECLARED_ENUMS, addon.enums)).not.toThrow();
    expect(addon.enums).toEqual(DECLARED_ENUMS as Record<string, EnumTable>);
  });
});

/** One raw row as native/completions.cc writes it: kind, channel, rank, session, ticket, a, b, text index. */
function row(
  kind: number,
  fields: Partial<Record<'channel' | 'rank' | 'session' | 'ticket' | 'a' | 'b' | 'text', number>>,
) {
  const { channel = -1, rank = -1, session = 0, ticket = 0, a = 0, b = 0, text = -1 } = fields;
  return [kind, channel, rank, session, ticket, a, b, text];
}

function decodeOne(r: number[], views: Uint8Array[] = [], texts: string[] = []): NativeEvent | undefined {
  expect(r).toHaveLength(META_STRIDE);
  return decodeEvent(Float64Array.from(r), 0, views, texts);
}

describe('decodeEvent', () => {
  it('gives a frame its head and buffers from the batch views', () => {
    const views = [new Uint8Array([9]), new Uint8Array([1]), new Uint8Array([2, 3]), new Uint8Array([4])];
    const meta = Float64Array.from([
      ...row(EventKind.Sent, { ticket: 7 }),
      ...row(EventKind.Frame, { channel: 2, rank: 1, session: 5, a: 1, b: 2 }),
    ]);
    expect(decodeEvent(meta, 0, views, [])).toEqual({ kind: 'sent', ticket: 7 });
    expect(decodeEvent(meta, META_STRIDE, views, [])).toEqual({
      kind: 'frame',
      channel: 2,
      rank: 1,
      session: 5,
      frame: { head: views[1], bufs: [views[2], views[3]] },
    });
  });

  it('names what a and b mean for each kind', () => {
    expect(
      decodeOne(
        row(EventKind.Ready, { channel: -1, session: 8, ticket: 1, a: 0, b: 3, text: 0 }),
        [],
        ['MPI 4'],
      ),
    ).toEqual({
      kind: 'ready',
      worldRank: 0,
      worldSize: 3,
      universeSize: 8,
      parentChannel: -1,
      threadLevel: 1,
      library: 'MPI 4',
    });
    expect(decodeOne(row(EventKind.Ready, { session: 0 }))).toMatchObject({ universeSize: null });
    expect(decodeOne(row(EventKind.ChannelOpen, { ticket: 4, channel: 3, a: 2, b: 5 }))).toEqual({
      kind: 'channelOpen',
      ticket: 4,
      channel: 3,
      localRank: 2,
      size: 5,
      error: undefined,
    });
    expect(
      decodeOne(row(EventKind.ChannelOpen, { ticket: 4, channel: -1, text: 0 }), [], ['no slots']),
    ).toMatchObject({
      channel: -1,
      error: 'no slots',
    });
    expect(
      decodeOne(row(EventKind.RankLost, { channel: 1, rank: 2, a: 4242, b: 1, text: 0 }), [], ['silent']),
    ).toEqual({
      kind: 'rankLost',
      channel: 1,
      rank: 2,
      pid: 4242,
      byHeartbeatTimeout: true,
      reason: 'silent',
    });
    expect(decodeOne(row(EventKind.RankLost, { b: 0, text: 0 }), [], ['exited'])).toMatchObject({
      byHeartbeatTimeout: false,
    });
    expect(decodeOne(row(EventKind.PingPongDone, { ticket: 9, a: 0.5, b: 100 }))).toEqual({
      kind: 'pingPongDone',
      ticket: 9,
      seconds: 0.5,
      iterations: 100,
      error: undefined,
    });
    expect(decodeOne(row(EventKind.CollectiveDone, { ticket: 3, text: 0 }), [], ['MPI_ERR_COMM'])).toEqual({
      kind: 'collectiveDone',
      ticket: 3,
      error: 'MPI_ERR_COMM',
    });
    expect(decodeOne(row(EventKind.Hello, { channel: 1, rank: 0, a: 77, text: 0 }), [], ['h|1'])).toEqual({
      kind: 'hello',
      channel: 1,
      rank: 0,
      pid: 77,
      host: 'h|1',
    });
    expect(decodeOne(row(EventKind.ChannelClosed, { ticket: 0, channel: 6 }))).toEqual({
      kind: 'channelClosed',
      ticket: 0,
      channel: 6,
    });
    expect(decodeOne(row(EventKind.Bye, { channel: 1, rank: 2, session: 3 }))).toEqual({
      kind: 'bye',
      channel: 1,
      rank: 2,
      session: 3,
    });
    expect(decodeOne(row(EventKind.SessionClose, { channel: 1, session: 3 }))).toEqual({
      kind: 'sessionClose',
      channel: 1,
      session: 3,
    });
    expect(decodeOne(row(EventKind.Terminate, { channel: 1 }))).toEqual({ kind: 'terminate', channel: 1 });
    expect(decodeOne(row(EventKind.Finalized, {}))).toEqual({ kind: 'finalized' });
    expect(decodeOne(row(EventKind.Error, { text: 0 }), [], ['MPI_Isend failed'])).toEqual({
      kind: 'error',
      message: 'MPI_Isend failed',
    });
  });

  it('skips a kind it does not know', () => {
    expect(decodeOne(row(99, {}))).toBeUndefined();
  });
});
