import { describe, expect, it } from 'vitest';
import { clocksDisagree } from '../src/calibrate/measure.js';

describe('calibrate: commit → applied paths timed by two nodes’ clocks', () => {
  const paths = (count: number, nonPositive: number): number[] =>
    Array.from({ length: count }, (_, i) => (i < nonPositive ? [0, -120, -0.5][i % 3]! : 250 + i));

  it('keeps an attempt where at most 1 % of the paths without delay are ≤ 0', () => {
    expect(clocksDisagree(paths(600, 0))).toEqual({ disagree: false, nonPositive: 0 });
    expect(clocksDisagree(paths(600, 6))).toEqual({ disagree: false, nonPositive: 6 });
  });

  it('takes more than 1 % of paths ≤ 0 (zero or negative) for clocks that disagree', () => {
    expect(clocksDisagree(paths(600, 7))).toEqual({ disagree: true, nonPositive: 7 });
    expect(clocksDisagree(paths(150, 60))).toEqual({ disagree: true, nonPositive: 60 });
    expect(clocksDisagree([Number.NaN, 300])).toEqual({ disagree: true, nonPositive: 1 });
  });
});
