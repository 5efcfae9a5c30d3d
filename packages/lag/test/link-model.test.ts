import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exponential,
  fixed,
  LagConfigError,
  LinkModel,
  OrderedDelayLine,
  parseLinkSettings,
  predictedVisibility,
  SeededRandom,
  uniform,
  VirtualClock,
} from '@meridian/lag';

function line(model: LinkModel, clock: VirtualClock) {
  const delivered: { id: number; atMs: number }[] = [];
  const dropped: number[] = [];
  const delayLine = new OrderedDelayLine<number>({
    clock,
    model,
    deliver: (id) => delivered.push({ id, atMs: clock.nowMs() }),
    dropped: (id) => dropped.push(id),
  });
  return { delayLine, delivered, dropped };
}

describe('LinkModel + OrderedDelayLine', () => {
  it('delivers after the base delay', () => {
    const clock = new VirtualClock(1000);
    const { delayLine, delivered } = line(new LinkModel({ baseDelayMs: 200 }, new SeededRandom(1)), clock);
    expect(delayLine.send(1, 10)).toBe(1200);
    expect(delayLine.pendingBytes).toBe(10);
    clock.advance(199);
    expect(delivered).toEqual([]);
    clock.advance(1);
    expect(delivered).toEqual([{ id: 1, atMs: 1200 }]);
    expect(delayLine.pendingBytes).toBe(0);
  });

  it('never delivers a message before an earlier one (property, per-message jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 60 }),
        (seed, gapsMs) => {
          const clock = new VirtualClock(0);
          const model = new LinkModel({ baseDelayMs: 20, jitter: exponential(30) }, new SeededRandom(seed));
          const { delayLine, delivered } = line(model, clock);
          const sentAt: number[] = [];
          gapsMs.forEach((gapMs, id) => {
            clock.advance(gapMs);
            sentAt.push(clock.nowMs());
            delayLine.send(id, 1);
          });
          clock.advance(100_000);
          expect(delivered.map((d) => d.id)).toEqual(gapsMs.map((_, id) => id));
          delivered.forEach((d, i) => {
            expect(d.atMs).toBeGreaterThanOrEqual((sentAt[d.id] as number) + 20);
            if (i > 0) expect(d.atMs).toBeGreaterThanOrEqual((delivered[i - 1] as { atMs: number }).atMs);
          });
        },
      ),
    );
  });

  it('per-message jitter causes head-of-line blocking; per-link jitter is one offset per epoch', () => {
    const clock = new VirtualClock(0);
    const perLink = new LinkModel(
      { baseDelayMs: 10, jitter: uniform(0, 100), jitterMode: 'per-link', jitterRedrawMs: 1000 },
      new SeededRandom(4),
    );
    const within = [0, 100, 500, 999].map((t) => perLink.jitterMs(t));
    expect(new Set(within).size).toBe(1);
    const epochs = new Set([0, 1000, 2000, 3000, 4000].map((t) => perLink.jitterMs(t)));
    expect(epochs.size).toBeGreaterThan(1);

    const { delayLine, delivered } = line(
      new LinkModel({ baseDelayMs: 10, jitter: uniform(0, 100) }, new SeededRandom(2)),
      clock,
    );
    const deliveries = Array.from({ length: 50 }, (_, id) => {
      clock.advance(1);
      return delayLine.send(id, 1) as number;
    });
    const blocked = deliveries.filter((atMs, i) => i > 0 && atMs === deliveries[i - 1]);
    expect(blocked.length).toBeGreaterThan(0);
    clock.advance(1000);
    expect(delivered.map((d) => d.id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('caps bandwidth: back-to-back messages are serialized at the byte rate', () => {
    const clock = new VirtualClock(0);
    const { delayLine } = line(
      new LinkModel({ baseDelayMs: 5, bandwidthBytesPerSecond: 1000 }, new SeededRandom(1)),
      clock,
    );
    expect(delayLine.send(1, 100)).toBe(105);
    expect(delayLine.send(2, 100)).toBe(205);
    clock.advance(1000);
    expect(delayLine.send(3, 10)).toBe(1015);
  });

  it('holds deliveries that fall in a stall until it ends, keeping order', () => {
    const clock = new VirtualClock(0);
    const model = new LinkModel({ baseDelayMs: 10 }, new SeededRandom(1));
    model.addStall(50, 100);
    const { delayLine, delivered } = line(model, clock);
    clock.advance(45);
    delayLine.send(1, 1);
    clock.advance(50);
    delayLine.send(2, 1);
    clock.advance(200);
    expect(delivered).toEqual([
      { id: 1, atMs: 150 },
      { id: 2, atMs: 150 },
    ]);
  });

  it('a partitioned link drops (holds nothing) and tells its listeners; healing lets traffic through', () => {
    const clock = new VirtualClock(0);
    const model = new LinkModel({ baseDelayMs: 10 }, new SeededRandom(1));
    const changes: boolean[] = [];
    model.onChange((m) => changes.push(m.partitioned));
    const { delayLine, delivered, dropped } = line(model, clock);
    model.setPartitioned(true);
    expect(delayLine.send(1, 1)).toBeUndefined();
    model.setPartitioned(false);
    delayLine.send(2, 1);
    clock.advance(20);
    expect(delivered.map((d) => d.id)).toEqual([2]);
    expect(dropped).toEqual([1]);
    expect(changes).toEqual([true, false]);
  });

  it('close() drops what is queued', () => {
    const clock = new VirtualClock(0);
    const { delayLine, delivered, dropped } = line(new LinkModel({ baseDelayMs: 10 }, new SeededRandom(1)), clock);
    delayLine.send(1, 5);
    delayLine.close();
    clock.advance(100);
    expect(delivered).toEqual([]);
    expect(dropped).toEqual([1]);
    expect(delayLine.pendingBytes).toBe(0);
    expect(delayLine.send(2, 1)).toBeUndefined();
  });

  it('predictedVisibility matches the measured one-way delay CDF at low rate', () => {
    const clock = new VirtualClock(0);
    const model = new LinkModel({ baseDelayMs: 100, jitter: exponential(10) }, new SeededRandom(11));
    const { delayLine, delivered } = line(model, clock);
    const sentAt = new Map<number, number>();
    for (let id = 0; id < 4000; id++) {
      clock.advance(500);
      sentAt.set(id, clock.nowMs());
      delayLine.send(id, 1);
    }
    clock.advance(10_000);
    const delays = delivered.map((d) => d.atMs - (sentAt.get(d.id) as number));
    for (const tMs of [90, 100, 105, 110, 120, 140]) {
      const measured = delays.filter((d) => d <= tMs).length / delays.length;
      expect(Math.abs(measured - predictedVisibility(model, tMs))).toBeLessThan(0.03);
    }
    expect(predictedVisibility(model, 99.9)).toBe(0);
    model.setPartitioned(true);
    expect(predictedVisibility(model, 1e9)).toBe(0);
  });

  it('parses link settings from plain config, naming bad fields', () => {
    const settings = parseLinkSettings({
      delayMs: 80,
      jitter: { distribution: 'fixed', valueMs: 3 },
      jitterMode: 'per-link',
    });
    expect(settings.baseDelayMs).toBe(80);
    expect(settings.jitter?.cdf(3)).toBe(1);
    expect(() => parseLinkSettings({ delayMs: -1 }, 'links[0]')).toThrow('links[0].delayMs: must be');
    expect(() => parseLinkSettings({ jitterMode: 'sometimes' })).toThrow('link.jitterMode:');
    expect(() => parseLinkSettings({ jitter: { distribution: 'fixed' } })).toThrow('link.jitter.valueMs:');
    expect(() => new LinkModel({ bandwidthBytesPerSecond: 0 }, new SeededRandom(1))).toThrow(LagConfigError);
    const model = new LinkModel({ jitter: fixed(1) }, new SeededRandom(1));
    expect(() => model.update({ baseDelayMs: Number.NaN })).toThrow('baseDelayMs:');
  });
});
