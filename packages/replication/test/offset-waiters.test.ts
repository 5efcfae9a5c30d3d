import { describe, expect, it } from 'vitest';
import { OffsetWaiters } from '../src/offset-waiters.js';

/** Waiters for `offsets`, in that order. */
function waitersFor(offsets: readonly number[]): {
  waiters: OffsetWaiters;
  all: ReturnType<OffsetWaiters['add']>[];
} {
  const waiters = new OffsetWaiters();
  const all = offsets.map((offset) => waiters.add(offset, () => undefined));
  return { waiters, all };
}

describe('OffsetWaiters', () => {
  it('hands out the waiters an offset reached, in the order they started waiting, and only those', () => {
    const offsets = [30, 10, 20, 10, 50, 40, 20];
    const { waiters, all } = waitersFor(offsets);
    expect(waiters.reached(9)).toBeUndefined();
    expect(waiters.reached(20)).toEqual([all[1], all[2], all[3], all[6]]);
    // Reached once: an apply at the same offset again hands out nothing.
    expect(waiters.reached(20)).toBeUndefined();
    expect(waiters.reached(45)).toEqual([all[0], all[5]]);
    expect(waiters.takeAll()).toEqual([all[4]]);
    expect(waiters.reached(100)).toBeUndefined();
  });

  it('never hands out a waiter taken out before its offset came up (a timeout)', () => {
    const { waiters, all } = waitersFor([5, 5, 7]);
    expect(waiters.remove(all[1] as (typeof all)[number])).toBe(true);
    expect(waiters.remove(all[1] as (typeof all)[number])).toBe(false);
    expect(waiters.reached(10)).toEqual([all[0], all[2]]);
  });

  it('rebuilds its heap without the waiters taken out when they are most of it, and keeps the rest in order', () => {
    const offsets = Array.from({ length: 100 }, (_, i) => 1000 - i);
    const { waiters, all } = waitersFor(offsets);
    // Timeouts take out all but every tenth; the next wait finds the heap mostly stale and rebuilds it.
    all.forEach((waiter, i) => {
      if (i % 10 !== 0) waiters.remove(waiter);
    });
    expect(waiters.held).toBe(100);
    const late = waiters.add(999, () => undefined);
    expect(waiters.held).toBe(11);
    const kept = all.filter((_, i) => i % 10 === 0);
    expect(waiters.reached(950)).toEqual(kept.filter((waiter) => waiter.offset <= 950));
    expect(waiters.reached(1000)).toEqual([...kept.filter((waiter) => waiter.offset > 950), late]);
  });

  it('settles as walking every waiter in order would, over random waits, timeouts and applies', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const waiters = new OffsetWaiters();
    // The reference: every waiter in a list in the order it started waiting, walked whole.
    let reference: { offset: number; waiter: ReturnType<OffsetWaiters['add']> }[] = [];
    let applied = 0;
    for (let step = 0; step < 20_000; step++) {
      const u = random();
      if (u < 0.5) {
        const offset = applied + 1 + Math.floor(random() * 200);
        reference.push({ offset, waiter: waiters.add(offset, () => undefined) });
      } else if (u < 0.7 && reference.length > 0) {
        // A timeout: most waiters of a replica that stalls time out and are taken out early.
        const [gone] = reference.splice(Math.floor(random() * reference.length), 1);
        expect(waiters.remove((gone as (typeof reference)[number]).waiter)).toBe(true);
      } else {
        applied += Math.floor(random() * 20);
        const expected = reference.filter((entry) => entry.offset <= applied).map((entry) => entry.waiter);
        reference = reference.filter((entry) => entry.offset > applied);
        expect(waiters.reached(applied) ?? []).toEqual(expected);
      }
      expect(waiters.held).toBeLessThanOrEqual(Math.max(64, 2 * reference.length) + 1);
    }
    expect(waiters.takeAll()).toEqual(reference.map((entry) => entry.waiter));
  });
});
