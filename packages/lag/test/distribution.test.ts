import { describe, expect, it } from 'vitest';
import { type Distribution, LagConfigError, parseDistribution, SeededRandom, standardNormalCdf } from '@meridian/lag';

/** Largest gap between the fraction of `n` samples ≤ x and the distribution's CDF at x, over a grid of x. */
function cdfDistance(distribution: Distribution, n: number, seed = 3): number {
  const random = new SeededRandom(seed);
  const samples = Array.from({ length: n }, () => distribution.sample(random)).sort((a, b) => a - b);
  const high = samples[Math.floor(n * 0.99)] as number;
  let worst = 0;
  let below = 0;
  for (let step = 0; step <= 400; step++) {
    const x = (high * step) / 400;
    while (below < n && (samples[below] as number) <= x) below++;
    worst = Math.max(worst, Math.abs(below / n - distribution.cdf(x)));
  }
  return worst;
}

const cases: [string, Record<string, unknown>][] = [
  ['uniform', { distribution: 'uniform', minMs: 2, maxMs: 9 }],
  ['normal', { distribution: 'normal', meanMs: 10, stddevMs: 3 }],
  ['normal clamped at 0', { distribution: 'normal', meanMs: 1, stddevMs: 3 }],
  ['exponential', { distribution: 'exponential', meanMs: 4 }],
  ['pareto', { distribution: 'pareto', scaleMs: 1, shape: 2.5 }],
  ['empirical', { distribution: 'empirical', samplesMs: [1, 2, 2, 3, 10, 40] }],
];

describe('distributions', () => {
  for (const [name, config] of cases) {
    it(`${name}: samples follow the CDF, all ≥ 0`, () => {
      const distribution = parseDistribution(config);
      const random = new SeededRandom(9);
      for (let i = 0; i < 1000; i++) expect(distribution.sample(random)).toBeGreaterThanOrEqual(0);
      expect(cdfDistance(distribution, 20_000)).toBeLessThan(0.015);
    });
  }

  it('normal clamped at 0 puts Φ(−mean/σ) of its mass at exactly 0', () => {
    const distribution = parseDistribution({ distribution: 'normal', meanMs: 1, stddevMs: 3 });
    const random = new SeededRandom(5);
    const n = 50_000;
    let zeros = 0;
    for (let i = 0; i < n; i++) if (distribution.sample(random) === 0) zeros++;
    expect(zeros / n).toBeCloseTo(standardNormalCdf(-1 / 3), 2);
    expect(distribution.cdf(0)).toBeCloseTo(standardNormalCdf(-1 / 3), 6);
    expect(distribution.cdf(-0.1)).toBe(0);
  });

  it('fixed is exactly its value; means are right', () => {
    const random = new SeededRandom(1);
    expect(parseDistribution({ distribution: 'fixed', valueMs: 7 }).sample(random)).toBe(7);
    expect(parseDistribution({ distribution: 'exponential', meanMs: 4 }).meanMs).toBe(4);
    expect(parseDistribution({ distribution: 'pareto', scaleMs: 2, shape: 3 }).meanMs).toBeCloseTo(3, 6); // capped at 60 s
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 7);
    expect(standardNormalCdf(1.96)).toBeCloseTo(0.975, 4);
  });

  it.each([
    [{ distribution: 'gamma', meanMs: 1 }, 'jitter.distribution'],
    [{ meanMs: 1 }, 'jitter.distribution'],
    [{ distribution: 'exponential' }, 'jitter.meanMs'],
    [{ distribution: 'exponential', meanMs: -1 }, 'jitter.meanMs'],
    [{ distribution: 'exponential', meanMs: 1, stddevMs: 2 }, 'jitter.stddevMs'],
    [{ distribution: 'uniform', minMs: 5, maxMs: 1 }, 'jitter.maxMs'],
    [{ distribution: 'pareto', scaleMs: 0, shape: 2 }, 'jitter.scaleMs'],
    [{ distribution: 'pareto', scaleMs: 1, shape: 'x' }, 'jitter.shape'],
    [{ distribution: 'empirical', samplesMs: [] }, 'jitter.samplesMs'],
    [{ distribution: 'empirical', samplesMs: [1, 'two'] }, 'jitter.samplesMs[1]'],
    [{ distribution: 'normal', meanMs: 3, stddevMs: Infinity }, 'jitter.stddevMs'],
    ['exponential', 'jitter'],
  ])('rejects %j naming %s', (config, field) => {
    let error: unknown;
    try {
      parseDistribution(config);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LagConfigError);
    expect((error as LagConfigError).field).toBe(field);
    expect((error as LagConfigError).message.startsWith(`${field}: `)).toBe(true);
    expect((error as LagConfigError).code).toBe('MERIDIAN_LAG_CONFIG_INVALID');
  });

  it('uses the caller’s field prefix', () => {
    expect(() => parseDistribution({ distribution: 'fixed' }, 'network.links[2].jitter')).toThrow(
      'network.links[2].jitter.valueMs: must be a finite number',
    );
  });
});
