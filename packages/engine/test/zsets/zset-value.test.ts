import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { type ZSetEntry, ZSetValue } from '../../src/types/zset.js';
import { seededRandom } from '../../../../test/support/replay.js';

function compareEntries(a: ZSetEntry, b: ZSetEntry): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

function plain(entries: Iterable<ZSetEntry>): [string, number][] {
  return [...entries].map(({ member, score }) => [member, score]);
}

describe('ZSetValue: indexed skiplist', () => {
  it('matches a sorted-array model under random adds, updates and removals', () => {
    const operation = fc.oneof(
      fc.tuple(fc.constant('set' as const), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -5, max: 5 })),
      fc.tuple(fc.constant('remove' as const), fc.integer({ min: 0, max: 40 }), fc.constant(0)),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300, size: 'max' }), (operations) => {
        const zset = new ZSetValue();
        const model = new Map<string, number>();
        for (const [kind, id, score] of operations) {
          const member = `m${id}`;
          if (kind === 'set') {
            expect(zset.set(member, score / 2)).toBe(!model.has(member));
            model.set(member, score / 2);
          } else {
            expect(zset.remove(member)).toBe(model.delete(member));
          }
        }
        const sorted = [...model].map(([member, score]) => ({ member, score })).sort(compareEntries);
        expect(zset.size).toBe(sorted.length);
        expect(plain(zset.entries())).toEqual(plain(sorted));
        expect(plain(zset.entries(sorted.length - 1, true))).toEqual(plain(sorted).reverse());
        sorted.forEach((entry, rank) => {
          expect(zset.rank(entry.member)).toBe(rank);
          expect(zset.at(rank)?.member).toBe(entry.member);
        });
        expect(zset.last()?.member).toBe(sorted.at(-1)?.member);
        for (let limit = -3; limit <= 3; limit += 0.5) {
          expect(zset.countScoresBelow(limit, false)).toBe(sorted.filter((e) => e.score < limit).length);
          expect(zset.countScoresBelow(limit, true)).toBe(sorted.filter((e) => e.score <= limit).length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps ranks and ranges right with 200k members inserted in random order', () => {
    const count = 200_000;
    const random = seededRandom(42);
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const zset = new ZSetValue();
    // Score i/4 floored makes runs of four equal scores, ordered by member bytes within a run.
    const member = (i: number): string => `member:${String(i).padStart(6, '0')}`;
    for (const i of order) zset.set(member(i), Math.floor(i / 4));
    expect(zset.size).toBe(count);
    for (const i of [0, 1, 3, 4, 99_999, 123_457, count - 1]) {
      expect(zset.rank(member(i))).toBe(i);
      expect(zset.at(i)?.member).toBe(member(i));
    }
    expect(zset.countScoresBelow(25_000, false)).toBe(100_000);
    expect(zset.countScoresBelow(25_000, true)).toBe(100_004);
    const window = [...zset.entries(150_000)].slice(0, 8).map((entry) => entry.member);
    expect(window).toEqual(Array.from({ length: 8 }, (_, k) => member(150_000 + k)));

    for (let i = 0; i < count; i += 10) zset.remove(member(i));
    zset.set(member(1), 1e9);
    expect(zset.size).toBe(count - count / 10);
    expect(zset.rank(member(2))).toBe(0);
    expect(zset.rank(member(1))).toBe(count - count / 10 - 1);
    // Below 100_001 there remain 100_000 members minus the 10_000 removed, minus member 1 (moved to the end).
    expect(zset.rank(member(100_001))).toBe(89_999);
    expect(zset.last()?.member).toBe(member(1));
  }, 60_000);

  it('serves ZRANK, ZRANGE and ZCOUNT over a 200k-member key', () => {
    const engine = new Engine({ role: 'primary' });
    const count = 200_000;
    for (let start = 0; start < count; start += 10_000) {
      const argv = ['ZADD', 'big'];
      for (let i = start + 9_999; i >= start; i--) argv.push(String(i), `m${i}`);
      engine.execute(argv, 0);
    }
    const run = (...argv: string[]) => engine.execute(argv, 0).reply;
    expect(run('ZCARD', 'big')).toBe(count);
    expect(run('ZRANK', 'big', 'm123456')).toBe(123_456);
    expect(run('ZREVRANK', 'big', 'm123456')).toBe(count - 1 - 123_456);
    expect(run('ZRANGE', 'big', '150000', '150002', 'WITHSCORES')).toEqual([
      'm150000',
      '150000',
      'm150001',
      '150001',
      'm150002',
      '150002',
    ]);
    expect(run('ZRANGE', 'big', '(199997', '+inf', 'BYSCORE')).toEqual(['m199998', 'm199999']);
    expect(run('ZCOUNT', 'big', '1000', '(101000')).toBe(100_000);
    expect(run('ZREMRANGEBYSCORE', 'big', '-inf', '(100000')).toBe(100_000);
    expect(run('ZRANK', 'big', 'm123456')).toBe(23_456);
  }, 60_000);

  it('dumps and loads as ordered [member, score] pairs', () => {
    const zset = new ZSetValue();
    zset.set('b', 2);
    zset.set('a', 2);
    zset.set('c', -Infinity);
    expect(zset.dump()).toEqual(['c', -Infinity, 'a', 2, 'b', 2]);
    const loaded = ZSetValue.load(zset.dump());
    expect(plain(loaded.entries())).toEqual(plain(zset.entries()));
    expect(loaded.rank('b')).toBe(2);
  });
});
