import { describe, expect, it } from 'vitest';
import { KeyspaceChanges, RecentWrites } from '../src/resp/changes.js';

const tick = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('RecentWrites (the primary side of WATCH from replicas)', () => {
  it('says which keys changed after an offset, everything after a flush, and "changed" beyond its window', async () => {
    let offset = 10;
    const changes = new KeyspaceChanges();
    const recent = new RecentWrites(changes, () => offset, 3);
    expect(recent.changedSince(['a'], 9)).toBe(true); // before the window: unknown, so changed
    expect(recent.changedSince(['a'], 10)).toBe(false);
    offset = 11;
    changes.notify([['SET', 'a', '1']]);
    await tick();
    expect(recent.changedSince(['a'], 10)).toBe(true);
    expect(recent.changedSince(['a'], 11)).toBe(false);
    expect(recent.changedSince(['b'], 10)).toBe(false);
    for (const key of ['b', 'c', 'd']) {
      offset += 1;
      changes.notify([['SET', key, '1']]);
      await tick();
    }
    // Three writes remembered: the one at 11 was forgotten, so offsets below 11 are unknowable.
    expect(recent.changedSince(['zzz'], 10)).toBe(true);
    expect(recent.changedSince(['zzz'], 11)).toBe(false);
    offset = 20;
    changes.notify([['FLUSHALL']]);
    await tick();
    expect(recent.changedSince(['zzz'], 19)).toBe(true);
    expect(recent.changedSince(['zzz'], 20)).toBe(false);
  });
});
