import { describe, expect, it } from 'vitest';
import { parseFaultSchedule, runStalenessExperiment } from '@meridian/sim';
import { quickOptions, topology } from './helpers.js';

describe('determinism', () => {
  it('the same seed gives a byte-identical summary.json; another seed does not', async () => {
    const config = topology(4, '  delay: geo\n  jitter: { distribution: pareto, scaleMs: 2, shape: 2.5 }');
    const make = (seed: number) =>
      quickOptions(config, (o) => {
        o.seed = seed;
        o.faults = parseFaultSchedule(
          '- { kind: partition, atMs: 1000, durationMs: 1500, regions: [us-east-1, sa-east-1] }',
          config.regions.map((r) => r.name),
        );
      });
    const first = JSON.stringify((await runStalenessExperiment(make(3))).summary);
    const second = JSON.stringify((await runStalenessExperiment(make(3))).summary);
    const other = JSON.stringify((await runStalenessExperiment(make(4))).summary);
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect(first).not.toMatch(/wall/i);
  });
});
