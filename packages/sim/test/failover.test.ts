import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { measureFailover, runFailoverSimulation } from '@meridian/sim';
import { parseTopology } from '@meridian/topology';

// The five-region default `npm start` runs.
const config = parseTopology(readFileSync(new URL('../../../regions.yaml', import.meta.url), 'utf8'), 'regions.yaml');
const SEEDS = 200;

describe('automatic failover in the simulator (core Election under a nemesis)', () => {
  it(`passes every checker on ${SEEDS} random fault schedules (crash, pause, partitions, asymmetric cuts, clock skew)`, () => {
    let epochs = 0;
    let lostNone = 0;
    let majority = 0;
    let discarded = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const run = runFailoverSimulation({ seed, config });
      // A failing seed names its replay command in the assertion message.
      expect(run.violations, run.replay).toEqual([]);
      epochs += run.epochs;
      lostNone += run.writes.none.lost;
      majority += run.writes.majority.acknowledged;
      discarded += run.discardedEntries;
      expect(run.writes.majority.lost).toBe(0);
    }
    // The schedules did force failovers, and asynchronous writes were lost in some: the checkers had work.
    expect(epochs).toBeGreaterThan(SEEDS / 2);
    expect(lostNone).toBeGreaterThan(0);
    expect(discarded).toBeGreaterThan(0);
    expect(majority).toBeGreaterThan(SEEDS * 50);
  });

  it('the checkers catch two primaries when clocks drift past the bound the lease assumes', () => {
    const run = runFailoverSimulation({
      seed: 1,
      config,
      faults: [
        { kind: 'skew', startMs: 2_000, durationMs: 100, atPrimary: true, rate: 0.2 },
        { kind: 'isolate', startMs: 5_000, durationMs: 8_000, atPrimary: true },
      ],
    });
    expect(run.violations.some((v) => v.checker === 'one-primary-per-instant')).toBe(true);
    const within = runFailoverSimulation({
      seed: 1,
      config,
      faults: [
        { kind: 'skew', startMs: 2_000, durationMs: 100, atPrimary: true, rate: 0.991 },
        { kind: 'isolate', startMs: 5_000, durationMs: 8_000, atPrimary: true },
      ],
    });
    expect(within.violations).toEqual([]);
    expect(within.epochs).toBe(1);
  });

  it('is deterministic: a seed replays exactly', () => {
    const a = runFailoverSimulation({ seed: 42, config });
    const b = runFailoverSimulation({ seed: 42, config });
    expect(b).toEqual(a);
    expect(a.replay).toBe('npx meridian experiment failover --seed 42');
  });

  it('per fault at the primary: a crash, pause or cut-off fails over within detection plus election; a minority split does not', () => {
    const { rows } = measureFailover(config, 1);
    const row = (fault: string) => rows.find((r) => r.fault === fault);
    for (const fault of ['crash', 'pause', 'isolate', 'asymmetric-out']) {
      const r = row(fault);
      expect(r?.failedOver, fault).toBe(true);
      expect(r?.violations, fault).toBe(0);
      expect(r?.lostMajority, fault).toBe(0);
      // Detected after the election timeout (3 s, jittered up to 4.5 s), writable again within a lease.
      expect(r?.detectMs, fault).toBeGreaterThanOrEqual(3_000);
      expect(r?.unwritableMs, fault).toBeLessThan(4_500 + 2_000);
    }
    expect(row('split')?.violations).toBe(0);
    expect(rows.every((r) => r.acknowledgedMajority > 50)).toBe(true);
  });
});
