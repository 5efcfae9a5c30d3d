import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@meridian/lag';

describe('SeededRandom', () => {
  it('replays the same stream from the same seed, and differs across seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(first);
  });

  it('fork(name) is determined by seed and name, not by draws made before', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    for (let i = 0; i < 100; i++) b.next();
    const fa = a.fork('link:us-east-1→eu-west-1');
    const fb = b.fork('link:us-east-1→eu-west-1');
    expect([fa.next(), fa.next()]).toEqual([fb.next(), fb.next()]);
    expect(a.fork('x').next()).not.toBe(a.fork('y').next());
  });

  it('is uniform in [0, 1): mean ≈ 1/2 and every decile populated evenly', () => {
    const random = new SeededRandom(1);
    const deciles = new Array<number>(10).fill(0);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
      deciles[Math.floor(x * 10)]!++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const count of deciles) expect(Math.abs(count - n / 10)).toBeLessThan(n / 100);
  });
});
