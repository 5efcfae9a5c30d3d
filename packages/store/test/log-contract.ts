/**
 * The write-log contract: one behavioural suite run against every implementation of the port
 * (MemoryWriteLog and SqliteWriteLog under each durability policy).
 */
import type { EffectCommand, ReplicaWriteLog } from '@meridian/store';
import { afterEach, describe, expect, it } from 'vitest';

export interface LogFixture {
  log: ReplicaWriteLog;
  /**
   * Lets the log drop entries up to `offset` (the SQLite log never cuts past its oldest
   * snapshot, so its fixture writes one; the memory log needs nothing).
   */
  allowTruncationUpTo(offset: number): Promise<void>;
  /** Closes the log and reopens the same storage (memory: the same object). */
  reopen(): Promise<ReplicaWriteLog>;
}

const everything = { entriesMax: 1_000_000, bytesMax: 1 << 30 };

export function effectsFor(offset: number): EffectCommand[] {
  return [
    ['SET', `key:${offset}`, `value:${offset}:\u00ff\u0000\u0080`],
    ['PEXPIREAT', `key:${offset}`, String(offset * 1000)],
  ];
}

async function appendMany(log: ReplicaWriteLog, count: number): Promise<void> {
  const durable: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const offset = log.lastOffset() + 1;
    durable.push(log.append(1_700_000_000_000 + offset, effectsFor(offset)).durable);
  }
  await Promise.all(durable);
}

export function writeLogContract(name: string, create: () => Promise<LogFixture>): void {
  describe(`WriteLog contract: ${name}`, () => {
    let fixture: LogFixture | undefined;
    const open = async (): Promise<LogFixture> => {
      fixture = await create();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.log.close();
      fixture = undefined;
    });

    it('starts empty at offset 1', async () => {
      const { log } = await open();
      expect(log.lastOffset()).toBe(0);
      expect(log.firstOffset()).toBe(1);
      expect(log.read(1, everything)).toEqual({ kind: 'entries', entries: [] });
    });

    it('appends with strictly increasing offsets and reads them back, byte strings intact', async () => {
      const { log } = await open();
      const offsets = [1, 2, 3].map((i) => log.append(1000 + i, effectsFor(i)).offset);
      expect(offsets).toEqual([1, 2, 3]);
      expect(log.lastOffset()).toBe(3);
      const read = log.read(1, everything);
      expect(read).toEqual({
        kind: 'entries',
        entries: [1, 2, 3].map((i) => ({ offset: i, timeMs: 1000 + i, effects: effectsFor(i) })),
      });
    });

    it('reads the same before and after the group commit', async () => {
      const { log } = await open();
      const results = [1, 2, 3, 4].map((i) => log.append(i, effectsFor(i)));
      const before = log.read(2, everything);
      await Promise.all(results.map((result) => result.durable));
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.read(2, everything)).toEqual(before);
      expect(before.kind === 'entries' && before.entries.map((entry) => entry.offset)).toEqual([2, 3, 4]);
    });

    it('honours entriesMax and bytesMax, always returning at least one entry', async () => {
      const { log } = await open();
      await appendMany(log, 10);
      const limited = log.read(3, { entriesMax: 4, bytesMax: 1 << 20 });
      expect(limited.kind === 'entries' && limited.entries.map((entry) => entry.offset)).toEqual([3, 4, 5, 6]);
      const tiny = log.read(3, { entriesMax: 100, bytesMax: 1 });
      expect(tiny.kind === 'entries' && tiny.entries.map((entry) => entry.offset)).toEqual([3]);
      const twoish = log.read(3, { entriesMax: 100, bytesMax: 2 * 70 });
      expect(twoish.kind === 'entries' && twoish.entries.length).toBe(2);
      expect(log.read(11, everything)).toEqual({ kind: 'entries', entries: [] });
      expect(log.read(50, everything)).toEqual({ kind: 'entries', entries: [] });
    });

    it('truncates and reports reads of dropped offsets as truncated', async () => {
      const fixture = await open();
      const { log } = fixture;
      await appendMany(log, 10);
      await fixture.allowTruncationUpTo(10);
      log.truncateBefore(5);
      expect(log.firstOffset()).toBe(5);
      expect(log.lastOffset()).toBe(10);
      expect(log.read(4, everything)).toEqual({ kind: 'truncated', firstOffset: 5 });
      const rest = log.read(5, everything);
      expect(rest.kind === 'entries' && rest.entries.map((entry) => entry.offset)).toEqual([5, 6, 7, 8, 9, 10]);
      log.truncateBefore(3);
      expect(log.firstOffset()).toBe(5);
      log.truncateBefore(1000);
      expect(log.firstOffset()).toBe(11);
      expect(log.read(11, everything)).toEqual({ kind: 'entries', entries: [] });
      expect(log.append(5, effectsFor(11)).offset).toBe(11);
      expect(log.firstOffset()).toBe(11);
    });

    it('appendAt accepts only the next offset', async () => {
      const { log } = await open();
      expect(log.appendAt(1, 10, effectsFor(1)).offset).toBe(1);
      expect(() => log.appendAt(3, 10, effectsFor(3))).toThrow(
        expect.objectContaining({ code: 'MERIDIAN_STORE_OFFSET_MISMATCH' }),
      );
      expect(() => log.appendAt(1, 10, effectsFor(1))).toThrow(
        expect.objectContaining({ code: 'MERIDIAN_STORE_OFFSET_MISMATCH' }),
      );
      expect(log.appendAt(2, 10, effectsFor(2)).offset).toBe(2);
    });

    it('resetTo forgets everything and continues after the given offset', async () => {
      const { log } = await open();
      await appendMany(log, 5);
      log.resetTo(100);
      expect(log.lastOffset()).toBe(100);
      expect(log.firstOffset()).toBe(101);
      expect(log.read(1, everything)).toEqual({ kind: 'truncated', firstOffset: 101 });
      expect(log.appendAt(101, 7, effectsFor(101)).offset).toBe(101);
      const read = log.read(101, everything);
      expect(read.kind === 'entries' && read.entries.map((entry) => entry.offset)).toEqual([101]);
    });

    it('keeps every acknowledged entry across close and reopen', async () => {
      const fixture = await open();
      await appendMany(fixture.log, 20);
      fixture.log = await fixture.reopen();
      expect(fixture.log.lastOffset()).toBe(20);
      const read = fixture.log.read(1, everything);
      expect(read.kind === 'entries' && read.entries.length).toBe(20);
      expect(read.kind === 'entries' && read.entries[19]?.effects).toEqual(effectsFor(20));
      expect(fixture.log.append(1, effectsFor(21)).offset).toBe(21);
    });
  });
}
