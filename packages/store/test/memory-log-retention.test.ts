import { describe, expect, it } from 'vitest';
import { MemoryWriteLog } from '@meridian/store';

describe('MemoryWriteLog entriesRetainedMax', () => {
  it('drops the oldest entries as it appends, keeping offsets and reads exact', () => {
    const log = new MemoryWriteLog({ entriesRetainedMax: 3 });
    for (let i = 1; i <= 5000; i++) log.append(i, [['SET', `k${i}`, 'v']]);
    expect([log.firstOffset(), log.lastOffset()]).toEqual([4998, 5000]);
    expect(log.read(4997, { entriesMax: 10, bytesMax: 1 << 20 })).toEqual({ kind: 'truncated', firstOffset: 4998 });
    const read = log.read(4998, { entriesMax: 10, bytesMax: 1 << 20 });
    expect(read.kind === 'entries' && read.entries.map((entry) => [entry.offset, entry.effects[0]?.[1]])).toEqual([
      [4998, 'k4998'],
      [4999, 'k4999'],
      [5000, 'k5000'],
    ]);
  });

  it('hands out the entry kept at an offset (entryAt), none before the first kept or past the last', () => {
    const log = new MemoryWriteLog({ entriesRetainedMax: 3 });
    for (let i = 1; i <= 10; i++) log.append(i * 10, [['SET', `k${i}`, 'v']]);
    expect(log.entryAt(9)).toEqual({ offset: 9, timeMs: 90, effects: [['SET', 'k9', 'v']] });
    expect([7, 8, 10].map((offset) => log.entryAt(offset)?.offset)).toEqual([undefined, 8, 10]);
    expect(log.entryAt(11)).toBeUndefined();
    log.truncateBefore(10);
    expect([9, 10].map((offset) => log.entryAt(offset)?.offset)).toEqual([undefined, 10]);
  });

  it('keeps everything by default', () => {
    const log = new MemoryWriteLog();
    for (let i = 1; i <= 2000; i++) log.append(i, [['INCR', 'n']]);
    expect(log.firstOffset()).toBe(1);
  });
});
