import { describe, expect, it } from 'vitest';
import { benchSimulator } from '@meridian/sim';

describe('benchSimulator', () => {
  it('rates the workload seconds, not the warm-up and drain around them, by the whole run’s wall time', async () => {
    const result = await benchSimulator({ durationMs: 1_000, writesPerSecond: 50, readsPerSecond: 200 });
    expect(result.workloadSeconds).toBe(1);
    // The run simulates a 2 s warm-up and at least 3 s of drain around its 1 s of workload.
    expect(result.simulatedSeconds).toBeGreaterThanOrEqual(1 + 2 + 3);
    expect(result.workloadSecondsPerWallSecond).toBeCloseTo(result.workloadSeconds / result.wallSeconds, 9);
    expect(result.simulatedSecondsPerWallSecond).toBeCloseTo(result.simulatedSeconds / result.wallSeconds, 9);
    expect(result.workloadSecondsPerWallSecond).toBeLessThan(result.simulatedSecondsPerWallSecond);
  });
});
