import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@meridian/lag';
import { DecimalHistogram } from '../src/model/decimal-histogram.js';
import { countAtMost, niceStep, quantile, round3 } from '../src/stats.js';

/** Lags as the simulator makes them: differences of times near 1.7·10¹² ms (multiples of 2⁻¹² ms). */
function simulatedLags(count: number, seed: number, scaleMs: number): number[] {
  const random = new SeededRandom(seed);
  const epochMs = 1_700_000_000_000;
  const lags: number[] = [];
  for (let i = 0; i < count; i++) {
    const commitMs = epochMs + random.next() * 60_000;
    const appliedMs = commitMs + scaleMs * (0.2 + -Math.log(1 - random.next()));
    lags.push(appliedMs - commitMs);
  }
  return lags;
}

function histogramOf(values: readonly number[], digits = 4): DecimalHistogram {
  const histogram = new DecimalHistogram(digits);
  for (const value of values) histogram.push(value);
  return histogram;
}

describe('DecimalHistogram', () => {
  it('gives nearest-rank quantiles within 10^-digits above the exact ones (10^-digits ms below 1 ms), the max exactly', () => {
    for (const digits of [3, 4]) {
      const resolution = 10 ** -digits;
      for (const scaleMs of [0.05, 3, 40, 700, 20_000]) {
        const values = simulatedLags(20_000, 7, scaleMs);
        const sorted = Float64Array.from(values).sort();
        const histogram = histogramOf(values, digits);
        for (const q of [0, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
          const exact = quantile(sorted, q);
          const approximate = histogram.quantile(q);
          expect(approximate).toBeGreaterThanOrEqual(exact);
          expect(approximate - exact).toBeLessThanOrEqual(Math.max(resolution, exact * resolution));
        }
        expect(histogram.max).toBe(sorted[sorted.length - 1]);
        expect(histogram.count).toBe(values.length);
      }
    }
  });

  it('counts values ≤ t exactly at every point of a nice grid', () => {
    for (const [scaleMs, digits] of [
      [0.3, 4],
      [12, 4],
      [150, 4],
      [4_000, 4],
      [150, 3],
      [4_000, 3],
    ] as const) {
      const values = simulatedLags(20_000, 11, scaleMs);
      const sorted = Float64Array.from(values).sort();
      const histogram = histogramOf(values, digits);
      const maxMs = quantile(sorted, 0.99);
      const step = niceStep(maxMs, 48);
      for (let t = 0; t <= maxMs + step; t += step) {
        const tMs = round3(t);
        expect(histogram.countAtMost(tMs), `t = ${tMs}`).toBe(countAtMost(sorted, tMs));
      }
    }
  });

  it('counts a value equal to a bound as ≤ it, and one a step above as not', () => {
    const histogram = histogramOf([0, 50, 50 + 2 ** -12, 120, 0.14]);
    expect(histogram.countAtMost(0)).toBe(1);
    expect(histogram.countAtMost(0.14)).toBe(2);
    expect(histogram.countAtMost(50)).toBe(3);
    expect(histogram.countAtMost(119.9)).toBe(4);
    expect(histogram.countAtMost(120)).toBe(5);
    expect(histogram.quantile(0.5)).toBe(50);
  });

  it('keeps a long tail of lone values in small maps, then in arrays, with the same answers', () => {
    const values = simulatedLags(3_000, 5, 2_000);
    const sorted = Float64Array.from(values).sort();
    const histogram = histogramOf(values);
    expect(Array.from(histogram.sample())).toEqual(
      Array.from(sorted, (v, i) => histogram.quantile((i + 0.5) / sorted.length)),
    );
    for (const q of [0.5, 0.99])
      expect(histogram.quantile(q) - quantile(sorted, q)).toBeLessThanOrEqual(quantile(sorted, q) * 1e-4);
  });

  it('puts each value in the same bucket whatever came before it (values in runs of one decade take a shortcut)', () => {
    for (const digits of [3, 4]) {
      const values: number[] = [];
      const random = new SeededRandom(digits);
      for (let decade = -1; decade < 11; decade++) {
        for (let i = 0; i < 200; i++) values.push(10 ** (decade + random.next()));
        // Bucket edges, exactly and an ulp either side, and the decade's own bounds.
        const edge = (1 + Math.floor(random.next() * 9_000) / 1_000) * 10 ** decade;
        values.push(edge, edge * (1 + 2 ** -52), edge * (1 - 2 ** -52), 10 ** decade, 10 ** decade * (1 + 2 ** -52));
      }
      values.push(0, -1, Infinity, 1e12, 1);
      const inOrder = histogramOf(values, digits);
      const shuffled = [...values];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
      }
      const lone = new DecimalHistogram(digits);
      for (const value of values) {
        // A fresh histogram per value: bucketOf alone, no decade remembered.
        const one = histogramOf([value], digits);
        lone.add(one);
      }
      const expected = Array.from(lone.sample());
      expect(Array.from(inOrder.sample())).toEqual(expected);
      expect(Array.from(histogramOf(shuffled, digits).sample())).toEqual(expected);
    }
  });

  it('adds histograms together and expands to a sample', () => {
    const a = histogramOf([3, 1]);
    const b = histogramOf([2, 1_000_000]);
    const sum = new DecimalHistogram();
    sum.add(a);
    sum.add(b);
    expect(sum.count).toBe(4);
    expect(sum.min).toBe(1);
    expect(sum.max).toBe(1_000_000);
    expect(Array.from(sum.sample())).toEqual([1, 2, 3, 1_000_000]);
    expect(new DecimalHistogram().quantile(0.5)).toBe(0);
    expect(new DecimalHistogram().countAtMost(10)).toBe(0);
  });
});
