/**
 * The Clock port's contract, run against every implementation (VirtualClock here, SystemClock in
 * packages/replication). `advance` lets time pass: virtually, or by really waiting.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '@meridian/lag';

export interface ClockHarness {
  clock: Clock;
  advance(ms: number): Promise<void>;
}

/**
 * `resolutionMs`: how early a timer may fire against `nowMs()` (0 for the virtual clock; 1 for Node's
 * timers, which count whole milliseconds from the event loop's cached time, not from the call).
 */
export function clockContract(name: string, create: () => ClockHarness, resolutionMs = 0): void {
  describe(`Clock contract: ${name}`, () => {
    it('time never goes backwards and is in ms since the epoch', async () => {
      const { clock, advance } = create();
      const first = clock.nowMs();
      expect(first).toBeGreaterThan(Date.UTC(2000, 0, 1) - 1e12);
      await advance(5);
      expect(clock.nowMs()).toBeGreaterThanOrEqual(first + 5);
    });

    it('a timer fires no earlier than its delay, never synchronously', async () => {
      const { clock, advance } = create();
      const setAt = clock.nowMs();
      let firedAt: number | undefined;
      clock.setTimer(20, () => (firedAt = clock.nowMs()));
      expect(firedAt).toBeUndefined();
      await advance(10);
      // A real clock on a loaded machine may come back after more than 20 ms: then it may have fired, never early.
      const earliest = setAt + 20 - resolutionMs;
      if (firedAt !== undefined || clock.nowMs() < earliest)
        expect(firedAt ?? earliest).toBeGreaterThanOrEqual(earliest);
      await advance(40);
      expect(firedAt).toBeGreaterThanOrEqual(earliest);
    });

    it('zero-delay timers run later, not inside setTimer', async () => {
      const { clock, advance } = create();
      let fired = false;
      clock.setTimer(0, () => (fired = true));
      expect(fired).toBe(false);
      await advance(5);
      expect(fired).toBe(true);
    });

    it('a cancelled timer never fires', async () => {
      const { clock, advance } = create();
      let fired = false;
      const handle = clock.setTimer(5, () => (fired = true));
      handle.cancel();
      await advance(20);
      expect(fired).toBe(false);
    });

    it('timers due at the same time fire in the order they were set', async () => {
      const { clock, advance } = create();
      const order: number[] = [];
      for (let i = 0; i < 10; i++) clock.setTimer(10, () => order.push(i));
      await advance(40);
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('a timer set from a timer fires after its own delay', async () => {
      const { clock, advance } = create();
      const times: number[] = [];
      clock.setTimer(5, () => {
        times.push(clock.nowMs());
        clock.setTimer(10, () => times.push(clock.nowMs()));
      });
      await advance(60);
      expect(times).toHaveLength(2);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(10 - resolutionMs);
    });
  });
}
