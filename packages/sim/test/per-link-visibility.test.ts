import { describe, expect, it } from 'vitest';
import { exponential, SeededRandom } from '@meridian/lag';
import { perLinkVisibility } from '@meridian/sim';
import { countAtMost } from '../src/stats.js';

/**
 * The per-link prediction against the process it describes, played out directly: an ordered link
 * whose offset is redrawn every R ms, carrying Poisson log entries and periodic heartbeats. The
 * share of entries delivered within base + w is compared with the formula at several w.
 */
function playOut(options: {
  redrawMs: number;
  perMs: number;
  heartbeatMs: number;
  meanMs: number;
  periods: number;
  seed: number;
}): Float64Array {
  const random = new SeededRandom(options.seed);
  const jitter = exponential(options.meanMs);
  const endMs = options.periods * options.redrawMs;
  const sends: { atMs: number; entry: boolean }[] = [];
  for (
    let at = -Math.log(1 - random.next()) / options.perMs;
    at < endMs;
    at += -Math.log(1 - random.next()) / options.perMs
  )
    sends.push({ atMs: at, entry: true });
  const phase = random.next() * options.heartbeatMs;
  for (let at = phase; at < endMs; at += options.heartbeatMs) sends.push({ atMs: at, entry: false });
  sends.sort((a, b) => a.atMs - b.atMs);
  const offsets = new Map<number, number>();
  const lags: number[] = [];
  let delivered = -Infinity;
  for (const send of sends) {
    const period = Math.floor(send.atMs / options.redrawMs);
    let offset = offsets.get(period);
    if (offset === undefined) offsets.set(period, (offset = jitter.sample(random)));
    delivered = Math.max(delivered, send.atMs + offset);
    if (send.entry) lags.push(delivered - send.atMs);
  }
  return Float64Array.from(lags).sort();
}

describe('perLinkVisibility', () => {
  it.each([
    { redrawMs: 20, perMs: 0.2, heartbeatMs: 100, meanMs: 10 },
    { redrawMs: 5, perMs: 1, heartbeatMs: 100, meanMs: 10 },
    { redrawMs: 45, perMs: 0.01, heartbeatMs: 25, meanMs: 10 },
  ])('matches the played-out link within 0.01 (R $redrawMs ms, $perMs entries/ms, heartbeat $heartbeatMs ms)', (c) => {
    const sorted = playOut({ ...c, periods: 40_000, seed: 7 });
    const jitter = exponential(c.meanMs);
    let worst = 0;
    let holdsBack = 0;
    for (let w = 0; w <= 60; w += 2.5) {
      const predicted = perLinkVisibility(jitter, 0, c.redrawMs, c.perMs * 1000, w, c.heartbeatMs);
      worst = Math.max(worst, Math.abs(countAtMost(sorted, w) / sorted.length - predicted));
      holdsBack = Math.max(holdsBack, jitter.cdf(w) - predicted);
    }
    expect(worst).toBeLessThan(0.01);
    // The periods do hold each other back: the idle-link curve F(w) would be off by more.
    expect(holdsBack).toBeGreaterThan(0.02);
  });

  it('is the jitter distribution itself when nothing else is on the link', () => {
    const jitter = exponential(10);
    for (const w of [0, 5, 10, 30])
      expect(perLinkVisibility(jitter, 50, 1000, 0, 50 + w)).toBeCloseTo(jitter.cdf(w), 12);
  });
});
