import { describe, expect, it } from 'vitest';
import {
  fixed,
  LAG_MS_MAX,
  LagConfigError,
  LinkModel,
  OrderedDelayLine,
  PARETO_MS_MAX_DEFAULT,
  parseDistribution,
  parseLinkSettings,
  SeededRandom,
  VirtualClock,
} from '@meridian/lag';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof LagConfigError) return error.field;
    throw error;
  }
  return undefined;
}

describe('lag values: the same bounds as regions.yaml everywhere', () => {
  it('refuses a delay or jitter past one hour, naming the field', () => {
    expect(fieldOf(() => parseDistribution({ distribution: 'fixed', valueMs: 1e308 }))).toBe('jitter.valueMs');
    expect(fieldOf(() => parseDistribution({ distribution: 'fixed', valueMs: LAG_MS_MAX + 1 }))).toBe('jitter.valueMs');
    expect(fieldOf(() => parseDistribution({ distribution: 'exponential', meanMs: 4e6 }))).toBe('jitter.meanMs');
    expect(fieldOf(() => parseDistribution({ distribution: 'empirical', samplesMs: [1, 1e9] }))).toBe(
      'jitter.samplesMs[1]',
    );
    expect(fieldOf(() => parseLinkSettings({ delayMs: 1e308 }, 'lag'))).toBe('lag.delayMs');
    expect(fieldOf(() => parseLinkSettings({ delayMs: LAG_MS_MAX }, 'lag'))).toBeUndefined();
    expect(() => new LinkModel({ baseDelayMs: 1e308 }, new SeededRandom(1))).toThrow(LagConfigError);
  });

  it('caps heavy-tailed Pareto draws at maxMs (default one minute)', () => {
    const heavy = parseDistribution({ distribution: 'pareto', scaleMs: 10, shape: 0.5 });
    const random = new SeededRandom(7);
    let largest = 0;
    for (let i = 0; i < 20_000; i++) largest = Math.max(largest, heavy.sample(random));
    expect(largest).toBe(PARETO_MS_MAX_DEFAULT); // P(X > 60 s) ≈ 1.3 %: reached, never passed
    expect(heavy.cdf(PARETO_MS_MAX_DEFAULT)).toBe(1);
    expect(Number.isFinite(heavy.meanMs)).toBe(true);
    const tighter = parseDistribution({ distribution: 'pareto', scaleMs: 10, shape: 0.5, maxMs: 500 });
    for (let i = 0; i < 1000; i++) expect(tighter.sample(random)).toBeLessThanOrEqual(500);
    expect(fieldOf(() => parseDistribution({ distribution: 'pareto', scaleMs: 10, shape: 0.5, maxMs: 4e6 }))).toBe(
      'jitter.maxMs',
    );
  });

  it('re-times queued messages when the lag changes, keeping their order: a mistake is undone by undoing it', () => {
    const clock = new VirtualClock(0);
    const model = new LinkModel({ baseDelayMs: 10 }, new SeededRandom(1));
    const delivered: { id: number; atMs: number }[] = [];
    const delayLine = new OrderedDelayLine<number>({
      clock,
      model,
      deliver: (id) => delivered.push({ id, atMs: clock.nowMs() }),
    });
    model.update({ jitter: fixed(LAG_MS_MAX) }); // the mistake
    for (let id = 1; id <= 5; id++) {
      delayLine.send(id, 1);
      clock.advance(1);
    }
    model.update({ jitter: fixed(0) }); // `lag clear`
    clock.advance(20);
    expect(delivered).toEqual([
      { id: 1, atMs: 10 },
      { id: 2, atMs: 11 },
      { id: 3, atMs: 12 },
      { id: 4, atMs: 13 },
      { id: 5, atMs: 14 },
    ]);
    // A change that slows the link re-times queued messages too, still in order.
    delayLine.send(6, 1);
    delayLine.send(7, 1);
    model.update({ baseDelayMs: 1000 });
    clock.advance(999);
    expect(delivered.map((d) => d.id)).toEqual([1, 2, 3, 4, 5]);
    clock.advance(1);
    expect(delivered.slice(5)).toEqual([
      { id: 6, atMs: 1025 },
      { id: 7, atMs: 1025 },
    ]);
  });
});
