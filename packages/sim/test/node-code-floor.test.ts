import { describe, expect, it } from 'vitest';
import { benchNodeCodeFloor } from '@meridian/sim';

describe('benchNodeCodeFloor', () => {
  it('runs every write through the primary and every replica, and serves the reads at the replicas', async () => {
    const result = await benchNodeCodeFloor({ writesPerSecond: 200, readsPerSecond: 2_000, durationMs: 500 });
    expect(result.workloadSeconds).toBe(0.5);
    expect(result.writes).toBe(100);
    expect(result.reads).toBe(1_000);
    // The first write (before the clock starts) and the workload's, each in the primary's log once.
    expect(result.primaryOffset).toBe(result.writes + 1);
    expect(result.replicaOffsets).toEqual([
      result.primaryOffset,
      result.primaryOffset,
      result.primaryOffset,
      result.primaryOffset,
    ]);
    expect(result.keysDiffering).toBe(0);
    // Reads found values the writes left (100 writes over 1,000 keys: some keys, not all).
    expect(result.readsWithValue).toBeGreaterThan(0);
    expect(result.readsWithValue).toBeLessThan(result.reads);
    expect(result.workloadSecondsPerWallSecond).toBeCloseTo(result.workloadSeconds / result.wallSeconds, 9);
  });

  it('takes the number of replicas and keys it is given', async () => {
    const result = await benchNodeCodeFloor({
      writesPerSecond: 1_000,
      readsPerSecond: 1_000,
      durationMs: 100,
      replicas: 2,
      keyCount: 5,
    });
    expect(result.replicaOffsets).toEqual([101, 101]);
    expect(result.keysDiffering).toBe(0);
    // 100 writes over 5 keys: by the reads' time almost every key holds a value.
    expect(result.readsWithValue).toBeGreaterThan(result.reads / 2);
  });
});
