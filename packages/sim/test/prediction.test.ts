import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_NODE_COSTS,
  defaultExperimentOptions,
  type ExperimentOptions,
  nodeCostsOf,
  runStalenessExperiment,
  ZERO_NODE_COSTS,
} from '@meridian/sim';
import { parseTopology } from '@meridian/topology';

// `predicted` is the t-visibility of the link as configured and loaded in the run: head-of-line blocking
// behind every log entry at the run's rate and behind the periodic heartbeats. Measured against it, the sup
// norm over t must stay within 0.02 in every region. A curve measured over n writes wanders from its true
// one by the KS statistic, whose 1% critical value is about 1.63/√n: each case below has n ≥ 9,000 writes
// per region (≤ 0.017), so 0.02 leaves room for the model's own error only.
const DEFAULT_YAML = readFileSync(new URL('../../../regions.yaml', import.meta.url), 'utf8');

function withNetwork(network: string): string {
  return DEFAULT_YAML.replace(/network:[\s\S]*?\n\nreplication/, `network:\n${network}\n\nreplication`);
}

async function supNorm(
  yaml: string,
  seed: number,
  change: (options: ExperimentOptions) => void,
  each: (point: { measured: number; predicted: number; predictedIdleLink: number }) => void = () => undefined,
): Promise<number> {
  const options = defaultExperimentOptions(parseTopology(yaml, 'regions.yaml'));
  options.seed = seed;
  // The network model alone unless a case says otherwise (the default experiment runs with the built-in
  // node costs, as `meridian experiment staleness` does; queue-prediction.test.ts checks their part).
  options.nodeCosts = ZERO_NODE_COSTS;
  change(options);
  const { summary } = await runStalenessExperiment(options);
  let worst = 0;
  for (const region of Object.values(summary.regions)) {
    if (region.role !== 'replica') continue;
    expect(region.appliedWrites).toBeGreaterThanOrEqual(9_000);
    for (const point of region.tVisibility) {
      worst = Math.max(worst, Math.abs(point.measured - point.predicted));
      each(point);
    }
  }
  return worst;
}

describe('predicted t-visibility: the link as loaded, within 0.02 of measured in every region', () => {
  // What `npx meridian experiment staleness` runs: the built-in node costs included (durability always: a
  // replica's commit holds back the frames queued behind it; without that queue in the prediction eu-west-1
  // was 0.025 off at seed 1).
  it.each([1, 2, 3])(
    'the default experiment (geo delay, exponential jitter, 200 writes/s + PUBLISH, node costs), seed %i',
    async (seed) => {
      const worst = await supNorm(DEFAULT_YAML, seed, (o) => {
        o.nodeCosts = undefined;
        expect(nodeCostsOf(o)).toEqual(BUILTIN_NODE_COSTS);
      });
      expect(worst).toBeLessThan(0.02);
    },
  );

  it('the default experiment without node costs (the network model alone), seed 1', async () => {
    expect(await supNorm(DEFAULT_YAML, 1, () => undefined)).toBeLessThan(0.02);
  });

  it.each([1, 2])('a fixed delay, seed %i', async (seed) => {
    expect(await supNorm(withNetwork('  delay: 50'), seed, () => undefined)).toBeLessThan(0.02);
  });

  it.each([1, 2])('D + exponential jitter at 10 writes/s (heartbeats dominate the link), seed %i', async (seed) => {
    const yaml = withNetwork('  delay: 50\n  jitter: { distribution: exponential, meanMs: 10 }');
    const worst = await supNorm(yaml, seed, (o) => {
      o.durationMs = 1_000_000;
      o.workload.writesPerSecond = 10;
      o.workload.readsPerSecond = 10;
      o.workload.publishesPerSecond = 0;
      o.digestCheckEveryMs = 60_000;
      o.lagBucketMs = 60_000;
    });
    expect(worst).toBeLessThan(0.02);
  });

  it.each([1, 2])('D + exponential jitter at 1,000 writes/s (heavy head-of-line blocking), seed %i', async (seed) => {
    const yaml = withNetwork('  delay: 50\n  jitter: { distribution: exponential, meanMs: 10 }');
    const worst = await supNorm(yaml, seed, (o) => {
      o.durationMs = 30_000;
      o.workload.writesPerSecond = 1_000;
      o.workload.readsPerSecond = 1_000;
    });
    expect(worst).toBeLessThan(0.02);
  });

  // Per-link jitter: the writes of one redraw period share their offset, so the curve wanders with the
  // number of periods, not of writes: 300 s redrawn every 10 ms is 30,000 periods per region (1% critical
  // value 1.63/√30,000 ≈ 0.009). At 200 writes/s the periods hold each other back (the idle-link curve
  // is off by about 0.14); the prediction accounts for it.
  it.each([1, 2])('D + exponential jitter per link, redrawn every 10 ms, 200 writes/s, seed %i', async (seed) => {
    const yaml = withNetwork(
      '  delay: 50\n  jitter: { distribution: exponential, meanMs: 10 }\n  jitterMode: per-link\n  jitterRedrawMs: 10',
    );
    let idleWorst = 0;
    const worst = await supNorm(
      yaml,
      seed,
      (o) => {
        o.durationMs = 300_000;
        o.workload.writesPerSecond = 200;
        o.workload.readsPerSecond = 10;
        o.workload.publishesPerSecond = 0;
        o.digestCheckEveryMs = 60_000;
        o.lagBucketMs = 60_000;
      },
      (point) => (idleWorst = Math.max(idleWorst, Math.abs(point.measured - point.predictedIdleLink))),
    );
    expect(worst).toBeLessThan(0.02);
    expect(idleWorst).toBeGreaterThan(0.05);
  });
});
