import { describe, expect, it } from 'vitest';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import { PATH_QUANTILES_MAX, drawFromQuantiles } from '@meridian/sim';
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
