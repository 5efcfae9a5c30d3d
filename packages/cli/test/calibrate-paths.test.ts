import { describe, expect, it } from 'vitest';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import { PATH_QUANTILES_MAX, drawFromQuantiles } from '@meridian/sim';
import { orderedReplayUs, unheldPathsUs } from '../src/calibrate/held-back.js';
import { clocksDisagree, pathQuantilesOf, pathShapeOf } from '../src/calibrate/measure.js';

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

  it('keeps every path as a quantile up to PATH_QUANTILES_MAX, so a few slow ones stay a few', () => {
    // 600 paths of 1 ms, three of 39 ms: the draws past 1 ms are those three's share, not 0.5 %.
    const samples = Array.from({ length: 603 }, (_, i) => (i % 200 === 7 ? 39_000 : 1_000));
    const quantiles = pathQuantilesOf(samples);
    expect(quantiles).toEqual([...samples].sort((a, b) => a - b));
    const draws = 100_000;
    let slow = 0;
    for (let i = 0; i < draws; i++) if (drawFromQuantiles(quantiles, (i + 0.5) / draws) > 1_000) slow++;
    expect(slow / draws).toBeCloseTo(3 / 602, 3);
    // Many paths: PATH_QUANTILES_MAX of them, the slowest last; few: never coarser than p0, p0.5, …, p100.
    const many = pathQuantilesOf(Array.from({ length: 7_000 }, (_, i) => 7_000 - i));
    expect(many).toHaveLength(PATH_QUANTILES_MAX);
    expect([many[0], many.at(-1)]).toEqual([1, 7_000]);
    expect(pathQuantilesOf([300, 100, 200])).toHaveLength(201);
  });
});

describe('calibrate --config: the paths measured on nodes shaped as the topology', () => {
  const topology = (links: string): TopologyConfig =>
    parseTopology(
      `version: 1
primary: a
regions:
  - { name: a, location: { lat: 0, lon: 0 }, host: 127.0.0.1, port: 7001 }
  - { name: b, location: { lat: 0, lon: 1 }, host: 127.0.0.1, port: 7002 }
  - { name: c, location: { lat: 0, lon: 2 }, host: 127.0.0.1, port: 7003 }
router: { host: 127.0.0.1, port: 7000, region: a }
network:
  delay: 50
${links}`,
    );

  const direct = { delayMs: 0, jitter: undefined, timed: 'direct' };
  const delayed = (delayMs: number) => ({ delayMs, jitter: undefined, timed: 'delayed' });

  it('is two replicas, one without delay and one on a 10 ms link, without a topology', () => {
    expect(pathShapeOf(undefined).replicas).toEqual([direct, delayed(10)]);
  });

  it("is the topology's replicas in its order on their primary links' delays", () => {
    const shape = pathShapeOf(topology('  links:\n    - { from: a, to: c, delayMs: 0 }\n'));
    expect(shape.replicas).toEqual([delayed(50), direct]);
  });

  it('keeps a link’s jitter (its replica then times no path) and adds a replica of each path it lacks', () => {
    const jittered = pathShapeOf(
      topology(
        '  jitter: { distribution: exponential, meanMs: 10 }\n  jitterMode: per-message\n' +
          '  links:\n    - { from: a, to: c, delayMs: 0, jitter: { distribution: fixed, valueMs: 0 } }\n',
      ),
    );
    expect(jittered.replicas).toEqual([
      { delayMs: 50, jitter: { distribution: 'exponential', meanMs: 10 }, timed: undefined },
      direct,
      delayed(10),
    ]);
    expect(jittered.jitterMode).toBe('per-message');
    expect(pathShapeOf(topology('')).replicas).toEqual([direct, delayed(50), delayed(50)]);
    expect(
      pathShapeOf(topology('  links:\n    - { from: a, to: b, delayMs: 0 }\n    - { from: a, to: c, delayMs: 0 }\n'))
        .replicas,
    ).toEqual([direct, direct, delayed(10)]);
  });
});

describe('calibrate: paths as no earlier frame held them back', () => {
  const traffic = { writesPerSecond: 40, heartbeatMs: 100 };
  // Own paths: 0.5–2 ms, and one in twenty 5–20 ms (a stall), as evenly spaced quantiles.
  const own = Array.from({ length: 1_000 }, (_, i) =>
    i < 950 ? 500 + (1_500 * i) / 949 : 5_000 + (15_000 * (i - 950)) / 49,
  );
  const at = (values: readonly number[], level: number): number => drawFromQuantiles(values, level);
  // What calibrate measures on a link that keeps its frames in order: 1,000 of the replayed paths.
  const replayed = orderedReplayUs(own, traffic, 7);
  const measured = Array.from({ length: 1_000 }, (_, i) => at(replayed, i / 999));
  /** Two sorted samples' CDFs apart, as the live comparison grades them: RMSE over 200 t from the least to p99.9. */
  const distance = (a: readonly number[], b: readonly number[]): number => {
    const cdf = (values: readonly number[], t: number): number => values.filter((v) => v <= t).length / values.length;
    const from = Math.min(a[0]!, b[0]!);
    const to = Math.max(at(a, 0.999), at(b, 0.999));
    let squares = 0;
    for (let i = 0; i < 200; i++)
      squares += (cdf(a, from + ((to - from) * i) / 199) - cdf(b, from + ((to - from) * i) / 199)) ** 2;
    return Math.sqrt(squares / 200);
  };

  it('measures the stalls twice when replayed as measured: the order holds later writes back', () => {
    for (const level of [0.5, 0.9]) expect(at(measured, level)).toBeGreaterThan(at(own, level) * 1.01);
    expect(distance(orderedReplayUs(measured, traffic, 8), measured)).toBeGreaterThan(0.01);
  });

  it('finds the own paths back, so the replay gives back what was measured', () => {
    const unheld = unheldPathsUs(measured, traffic);
    expect(unheld).toEqual([...unheld].sort((a, b) => a - b));
    expect(distance(unheld, own)).toBeLessThan(0.01);
    const asMeasured = distance(orderedReplayUs(measured, traffic, 9), measured);
    const asUnheld = distance(orderedReplayUs(unheld, traffic, 9), measured);
    expect(asUnheld).toBeLessThan(0.008);
    expect(asUnheld).toBeLessThan(asMeasured / 2);
  });

  it('leaves paths no frame held back as they are, and a lone path alone', () => {
    const rare = unheldPathsUs([300, 310, 320, 330], { writesPerSecond: 0.001, heartbeatMs: 1e9 });
    expect(rare.map(Math.round)).toEqual([300, 310, 320, 330]);
    expect(unheldPathsUs([250], traffic)).toEqual([250]);
  });
});
