import { describe, expect, it } from 'vitest';
import { runStalenessExperiment, ZERO_NODE_COSTS } from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

// These check the network model and the stale-read definition alone: the nodes' costs at zero.
describe('t-visibility against the lag model', () => {
  it('fixed delay D, no jitter: nothing visible before D, everything from D on (apply takes no simulated time)', async () => {
    const config = topology(2, '  delay: 120');
    const options = quickOptions(config, (o) => {
      o.nodeCosts = ZERO_NODE_COSTS;
      o.tVisibilityGridMs = [0, 60, 119, 119.9, 120.001, 121, 150, 400];
      o.workload.consistencyMix = { eventual: 1 };
    });
    const { summary } = await runStalenessExperiment(options);
    const region = summary.regions['eu-west-1'];
    expect(region?.role).toBe('replica');
    const measured = region?.tVisibility.map((p) => p.measured);
    expect(measured).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(region?.tVisibility.map((p) => p.predicted)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(region?.tVisibility.map((p) => p.predictedIdleLink)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(region?.lagMs.p50).toBeCloseTo(120, 6);
    expect(region?.lagMs.max).toBeCloseTo(120, 6);
    expect(region?.appliedWrites).toBeGreaterThan(200);
    expect(region?.unappliedWrites).toBe(0);
  });

  it('fixed delay + exponential jitter at a low write rate: measured ≈ 1 − exp(−(t − D)/mean) within 0.05', async () => {
    const delayMs = 80;
    const meanMs = 5;
    // Heartbeats every second and 5 writes/s: λ·mean ≈ 0.03, so head-of-line blocking moves the curve < 0.03.
    const config = topology(
      2,
      `  delay: ${delayMs}\n  jitter: { distribution: exponential, meanMs: ${meanMs} }`,
      'heartbeatMs: 1000',
    );
    const grid = Array.from({ length: 31 }, (_, i) => delayMs - 5 + i);
    const options = quickOptions(config, (o) => {
      o.nodeCosts = ZERO_NODE_COSTS;
      o.durationMs = 400_000;
      o.seed = 5;
      o.tVisibilityGridMs = grid;
      o.workload.writesPerSecond = 5;
      o.workload.readsPerSecond = 1;
      o.workload.consistencyMix = { eventual: 1 };
      o.digestCheckEveryMs = 20_000;
      o.lagBucketMs = 10_000;
    });
    const { summary } = await runStalenessExperiment(options);
    const region = summary.regions['eu-west-1'];
    expect(region?.appliedWrites).toBeGreaterThan(1800);
    for (const point of region?.tVisibility ?? []) {
      const expected = point.tMs < delayMs ? 0 : 1 - Math.exp(-(point.tMs - delayMs) / meanMs);
      expect(Math.abs(point.measured - expected), `t = ${point.tMs}`).toBeLessThan(0.05);
      expect(point.predictedIdleLink).toBeCloseTo(expected, 5);
      // The loaded link's curve is a little lower (blocking behind earlier entries) and closer still.
      expect(point.predicted).toBeLessThanOrEqual(point.predictedIdleLink);
      expect(Math.abs(point.measured - point.predicted), `t = ${point.tMs}`).toBeLessThan(0.03);
    }
  });

  it('a high write rate with per-message jitter shows head-of-line blocking, as the ordered-link model predicts (±0.05)', async () => {
    const delayMs = 50;
    const meanMs = 4;
    const config = topology(
      2,
      `  delay: ${delayMs}\n  jitter: { distribution: exponential, meanMs: ${meanMs} }\n  jitterMode: per-message`,
    );
    const grid = Array.from({ length: 26 }, (_, i) => delayMs + i);
    const options = quickOptions(config, (o) => {
      o.nodeCosts = ZERO_NODE_COSTS;
      o.durationMs = 10_000;
      o.seed = 9;
      o.tVisibilityGridMs = grid;
      o.workload.writesPerSecond = 500;
      o.workload.readsPerSecond = 10;
      o.workload.consistencyMix = { eventual: 1 };
    });
    const { summary } = await runStalenessExperiment(options);
    const region = summary.regions['eu-west-1'];
    expect(region?.tVisibility).toHaveLength(grid.length);
    region?.tVisibility.forEach((point) => {
      expect(Math.abs(point.measured - point.predicted), `t = ${point.tMs}`).toBeLessThan(0.05);
    });
    // At t = D + mean, an idle link gives 63 %; blocking behind earlier messages cuts it to about 30 %.
    const atMean = region?.tVisibility.find((p) => p.tMs === delayMs + meanMs);
    expect(atMean?.predictedIdleLink).toBeCloseTo(1 - Math.exp(-1), 5);
    expect(atMean?.measured).toBeLessThan((atMean?.predictedIdleLink ?? 0) - 0.2);
  });
});

describe('one definition of a stale read in sim and live', () => {
  it('a read is stale only against writes acknowledged before it was sent, not against every commit at execution', async () => {
    // Every client is in eu-west-1, 100 ms from the primary. A write travels there and back (≈ 200 ms), and
    // replication delivers it to eu-west-1 after 100 ms, before its acknowledgement comes back: no read sent
    // after an acknowledgement can miss the write, so nothing is stale, although many reads execute while a
    // newer write is committed at the primary and not yet applied here (stale under "newer at execution").
    const config = topology(2, '  delay: 100');
    const options = quickOptions(config, (o) => {
      o.nodeCosts = ZERO_NODE_COSTS;
      o.seed = 3;
      o.durationMs = 20_000;
      o.workload.keyCount = 5;
      o.workload.writesPerSecond = 100;
      o.workload.readsPerSecond = 400;
      o.workload.publishesPerSecond = 0;
      o.workload.consistencyMix = { eventual: 1 };
      o.workload.regionWeights = { 'us-east-1': 0, 'eu-west-1': 1 };
    });
    const { summary } = await runStalenessExperiment(options);
    const eventual = summary.consistency['eventual'];
    expect(eventual?.reads).toBeGreaterThan(5_000);
    expect(eventual?.staleReads).toBe(0);
    // Sent from the primary's region instead, the acknowledgement comes back long before eu-west-1 applies it.
    const fromPrimary = quickOptions(config, (o) => {
      o.nodeCosts = ZERO_NODE_COSTS;
      Object.assign(o, { ...options, seed: 3 });
      o.workload = { ...options.workload, regionWeights: { 'us-east-1': 1, 'eu-west-1': 1 } };
    });
    const mixed = await runStalenessExperiment(fromPrimary);
    expect(mixed.summary.regions['eu-west-1']?.reads['eventual']?.staleReads).toBeGreaterThan(100);
    expect(mixed.summary.regions['us-east-1']?.reads['eventual']?.staleReads).toBe(0);
  });
});
