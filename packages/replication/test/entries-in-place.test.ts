import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { VirtualClock } from '@meridian/lag';
import {
  decodeFrame,
  encodeFrame,
  EngineApplier,
  type ReplicaApplier,
  ReplicationError,
  ReplicationReplica,
} from '@meridian/replication';
import type { LogEntry } from '@meridian/store';
import { EntriesReader, type EntrySlot } from '../src/binary-frames.js';
import { crc32 } from '../src/crc32.js';
import { HandOverConnection } from './hand-over.js';
import { run } from './virtual-time.js';

const byteString = fc.uint8Array({ maxLength: 40 }).map((bytes) => String.fromCharCode(...bytes));
const entryLists = fc
  .array(fc.array(fc.array(byteString, { minLength: 1, maxLength: 4 }), { maxLength: 3 }), { maxLength: 6 })
  .chain((effects) =>
    fc
      .tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
      .map(([first, timeMs]) => effects.map((effect, i) => ({ offset: first + i, timeMs, effects: effect }))),
  );

/** A frame body with a valid checksum, so only the layout checks stand between it and the reader. */
function withChecksum(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 4);
  out.set(body);
  out.writeUInt32BE(crc32(body), body.length);
  return out;
}

function errorOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ReplicationError
      ? `${error.code}: ${error.message}`
      : `not a ReplicationError: ${String(error)}`;
  }
  return undefined;
}

/** Reads every entry of a frame into one reused slot, copying each as it goes. */
function readInPlace(frame: Uint8Array): LogEntry[] {
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const reader = new EntriesReader();
  const count = reader.scan(bytes, bytes.length - 4);
  const slot: EntrySlot = { offset: 0, timeMs: 0, effects: [] };
  const out: LogEntry[] = [];
  let at = 5;
  for (let e = 0; e < count; e++) {
    at = reader.read(bytes, at, slot);
    out.push({ offset: slot.offset, timeMs: slot.timeMs, effects: slot.effects.map((command) => [...command]) });
  }
  return out;
}

/** Keeps every entry it is given (so it must not take them in place). */
class KeepingApplier implements ReplicaApplier {
  readonly entries: LogEntry[] = [];
  appliedOffset(): number {
    return this.entries.at(-1)?.offset ?? 0;
  }
  replicationId(): string {
    return 'h';
  }
  apply(entry: LogEntry): void {
    this.entries.push(entry);
  }
  loadSnapshot(): void {
    throw new Error('no snapshots here');
  }
}

/** A streaming replica on a hand-over connection and a virtual clock. */
async function streamingReplica(
  applier: ReplicaApplier,
  options: { applyEntriesPerTurnMax?: number } = {},
): Promise<{
  replica: ReplicationReplica;
  connection: HandOverConnection;
  clock: VirtualClock;
  errors: string[];
}> {
  const clock = new VirtualClock();
  const connection = new HandOverConnection();
  const replica = new ReplicationReplica({
    connector: { connect: () => Promise.resolve(connection) },
    applier,
    clock,
    random: () => 0.5,
    replicaId: 'r',
    region: 'r0',
    secret: 's',
    ...options,
  });
  const errors: string[] = [];
  replica.on((event) => {
    if (event.kind === 'error') errors.push(`${event.code}: ${event.message}`);
  });
  replica.start();
  await run(clock, 1);
  connection.deliver(
    encodeFrame({
      t: 'welcome',
      mode: 'partial',
      replicationId: 'h',
      offset: 0,
      primaryOffset: 0,
      primaryTimeMs: 0,
      heartbeatMs: 100,
    }),
  );
  return { replica, connection, clock, errors };
}

/** Entries of a mixed workload executed on a primary engine: several commands, lengths and effect counts. */
function workload(): LogEntry[] {
  const primary = new Engine({ role: 'primary' });
  const commands: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const key = `k${i % 17}`;
    commands.push(
      [
        ['SET', key, 'v'.repeat(i % 50)],
        ['HSET', `h${i % 5}`, `f${i}`, String(i), 'g', '\u0000\u00ff'],
        ['RPUSH', `l${i % 3}`, 'a', 'b', 'c'],
        ['INCR', `n${i % 4}`],
        ['DEL', key],
        ['SET', key, 'x', 'PX', '100000'],
        ['GETDEL', key],
      ][i % 7] as string[],
    );
  }
  commands.push(['MULTI']);
  const entries: LogEntry[] = [];
  for (const argv of commands) {
    const { effects } = primary.execute(argv, 1000 + entries.length);
    if (effects.length > 0) entries.push({ offset: entries.length + 1, timeMs: 1000 + entries.length, effects });
  }
  return entries;
}

function framesOf(entries: LogEntry[], perFrame: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < entries.length; i += perFrame) {
    frames.push(encodeFrame({ t: 'entries', entries: entries.slice(i, i + perFrame) }));
  }
  return frames;
}

describe('entries read in place from their frame', () => {
  it('give the entries the decoder gives, through one reused slot', () => {
    fc.assert(
      fc.property(entryLists, (entries) => {
        const frame = encodeFrame({ t: 'entries', entries });
        expect(readInPlace(frame)).toEqual((decodeFrame(frame) as { entries: LogEntry[] }).entries);
        expect(readInPlace(frame)).toEqual(entries);
      }),
    );
  });

  it('refuse with the decoder’s error every checksummed body the decoder refuses', () => {
    const reject = (body: Uint8Array): void => {
      const frame = withChecksum(body);
      const decoded = errorOf(() => decodeFrame(frame));
      const scanned = errorOf(() => new EntriesReader().scan(frame, body.length));
      expect(scanned?.split(':')[0]).toBe(decoded?.split(':')[0]);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (rest) => {
        const body = new Uint8Array(rest.length + 1);
        body[0] = 1;
        body.set(rest, 1);
        reject(body);
      }),
    );
    const frame = encodeFrame({ t: 'entries', entries: workload().slice(0, 3) });
    const body = frame.subarray(0, frame.length - 4);
    for (let cut = 1; cut < body.length; cut++) reject(body.subarray(0, cut));
  });

  it('apply the same entries to the same engine state as decoded entries, in frames of 1, 7 and 50', async () => {
    const entries = workload();
    const expected = new Engine({ role: 'replica' });
    for (const entry of entries) expected.applyEffects(entry.effects, entry.timeMs);
    for (const perFrame of [1, 7, 50]) {
      const engine = new Engine({ role: 'replica' });
      const { replica, connection, clock, errors } = await streamingReplica(
        new EngineApplier(engine, { appliedOffset: 0, replicationId: 'h' }),
      );
      for (const frame of framesOf(entries, perFrame)) connection.deliver(frame);
      await run(clock, 2);
      expect(errors).toEqual([]);
      expect(replica.appliedOffset).toBe(entries.length);
      expect(digestKeyspace(engine.db)).toEqual(digestKeyspace(expected.db));
      expect(connection.sent.at(-1)).toEqual({ t: 'ack', appliedOffset: entries.length });
      replica.stop();
    }
  });

  it('hand an applier without applyInPlace entries of its own', async () => {
    const entries = workload().slice(0, 40);
    const applier = new KeepingApplier();
    const { connection, clock, errors } = await streamingReplica(applier);
    for (const frame of framesOf(entries, 8)) connection.deliver(frame);
    await run(clock, 2);
    expect(errors).toEqual([]);
    expect(applier.entries).toEqual(entries);
    expect(new Set(applier.entries.map((entry) => entry.effects)).size).toBe(entries.length);
  });

  it('apply at most applyEntriesPerTurnMax per turn, resuming mid-frame', async () => {
    const entries = workload().slice(0, 25);
    const applier = new KeepingApplier();
    const { replica, connection, clock } = await streamingReplica(applier, { applyEntriesPerTurnMax: 4 });
    for (const frame of framesOf(entries, 10)) connection.deliver(frame);
    expect(replica.queuedEntries).toBe(25);
    await run(clock, 2);
    expect(applier.entries).toEqual(entries);
    expect(replica.queuedEntries).toBe(0);
    // One ack per apply turn.
    const acks = connection.sent.flatMap((frame) => (frame.t === 'ack' ? [frame.appliedOffset] : []));
    expect(acks).toEqual([4, 8, 12, 16, 20, 24, 25]);
  });

  it('refuse a frame corrupt after its first entries whole: none of it applied (CORRUPT_FRAME)', async () => {
    const entries = workload().slice(0, 6);
    const engine = new Engine({ role: 'replica' });
    const { replica, connection, clock, errors } = await streamingReplica(
      new EngineApplier(engine, { appliedOffset: 0, replicationId: 'h' }),
    );
    connection.deliver(encodeFrame({ t: 'entries', entries: entries.slice(0, 2) }));
    const frame = encodeFrame({ t: 'entries', entries: entries.slice(2) });
    // The last entry's effect count says one more command than there is: the layout breaks at the end.
    const body = Buffer.from(frame.subarray(0, frame.length - 4));
    let at = 5;
    for (let e = 0; e < 3; e++) at = new EntriesReader().read(body, at, { offset: 0, timeMs: 0, effects: [] });
    body.writeUInt32BE(body.readUInt32BE(at + 16) + 1, at + 16);
    connection.deliver(withChecksum(body));
    await run(clock, 2);
    expect(errors[0]).toMatch(/^CORRUPT_FRAME: /);
    expect(replica.appliedOffset).toBe(2);
    expect(connection.closed).toBe(true);
  });

  it('refuse a frame whose offsets skip one: none of it applied (PROTOCOL_VIOLATION)', async () => {
    const entries = workload().slice(0, 5);
    const applier = new KeepingApplier();
    const { replica, connection, clock, errors } = await streamingReplica(applier);
    const gap = entries.map((entry, i) => ({ ...entry, offset: i < 3 ? entry.offset : entry.offset + 1 }));
    connection.deliver(encodeFrame({ t: 'entries', entries: gap }));
    await run(clock, 2);
    expect(errors).toEqual(['PROTOCOL_VIOLATION: entry 5 where 4 was due']);
    expect(replica.appliedOffset).toBe(0);
    expect(applier.entries).toEqual([]);
  });
});
