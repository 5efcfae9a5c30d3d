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

  it('agrees with a plain list of its last `capacity` writes, across wrapping its ring many times', async () => {
    let offset = 0;
    const changes = new KeyspaceChanges();
    const capacity = 7;
    const recent = new RecentWrites(changes, () => offset, capacity);
    const writes: { key: string; offset: number }[] = [];
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 200; step++) {
      offset += 1;
      const keys = Array.from({ length: 1 + random(3) }, () => `k${random(6)}`);
      changes.notify(keys.map((key) => ['SET', key, '1']));
      await tick();
      for (const key of keys) writes.push({ key, offset });
      const kept = writes.slice(-capacity);
      const windowStart =
        writes.length > capacity ? (writes[writes.length - capacity - 1] as { offset: number }).offset : 0;
      for (let at = Math.max(0, offset - 12); at <= offset; at++) {
        for (const key of ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']) {
          const expected = at < windowStart || kept.some((write) => write.key === key && write.offset > at);
          expect(recent.changedSince([key], at), `${key} after ${at} at step ${step}`).toBe(expected);
        }
      }
    }
  });
});
