import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type Reply, ReplyError, formatDouble } from '@meridian/engine';
import { PACKED_MEMBER_BYTES_MAX, PACKED_MEMBERS_MAX, ZSetValue } from '../../src/types/zset.js';

/**
 * A sorted set as a plain Map, with Redis's rules for each command written out again: the engine's
 * packed form, its conversion to the dictionary form and the dictionary form must all agree with it.
 */
class Model {
  readonly scores = new Map<string, number>();
  /** Which packed limit the set went past first: from then on it is a dictionary for good. */
  pastLimit: 'members' | 'bytes' | undefined;

  get pastLimits(): boolean {
    return this.pastLimit !== undefined;
  }

  sorted(): [string, number][] {
    return [...this.scores].sort(([m1, s1], [m2, s2]) =>
      s1 !== s2 ? (s1 < s2 ? -1 : 1) : m1 < m2 ? -1 : m1 > m2 ? 1 : 0,
    );
  }

  private write(member: string, score: number): void {
    this.scores.set(member, score === 0 ? 0 : score);
    if (member.length > PACKED_MEMBER_BYTES_MAX) this.pastLimit ??= 'bytes';
    if (this.scores.size > PACKED_MEMBERS_MAX) this.pastLimit ??= 'members';
  }

  zadd(flags: readonly string[], pairs: readonly [number, string][]): Reply {
    const has = (flag: string): boolean => flags.includes(flag);
    let added = 0;
    let updated = 0;
    let processed = 0;
    let last = 0;
    for (const [increment, member] of pairs) {
      let score = increment;
      const current = this.scores.get(member);
      if (current === undefined) {
        if (has('XX')) continue;
        this.write(member, score);
        added++;
      } else {
        if (has('NX')) continue;
        if (has('INCR')) {
          score += current;
          if (Number.isNaN(score)) return new ReplyError('ERR resulting score is not a number (NaN)');
        }
        if ((has('LT') && score >= current) || (has('GT') && score <= current)) continue;
        if (score !== current) {
          this.write(member, score);
          updated++;
        }
      }
      processed++;
      last = score;
    }
    if (has('INCR')) return processed > 0 ? formatDouble(last) : null;
    return has('CH') ? added + updated : added;
  }

  remove(members: Iterable<string>): number {
    let removed = 0;
    for (const member of members) if (this.scores.delete(member)) removed++;
    return removed;
  }

  pop(count: number, end: 'min' | 'max'): Reply {
    const sorted = this.sorted();
    const popped = (end === 'min' ? sorted : sorted.reverse()).slice(0, count);
    this.remove(popped.map(([member]) => member));
    return popped.flatMap(([member, score]) => [member, formatDouble(score)]);
  }

  removeRankRange(start: number, stop: number): number {
    const size = this.scores.size;
    const from = Math.max(start < 0 ? size + start : start, 0);
    const to = Math.min(stop < 0 ? size + stop : stop, size - 1);
    return from > to
      ? 0
      : this.remove(
          this.sorted()
            .slice(from, to + 1)
            .map(([member]) => member),
        );
  }

  removeScoreRange(min: number, max: number): number {
    return this.remove(this.sorted().flatMap(([member, score]) => (score >= min && score <= max ? [member] : [])));
  }
}

type Step =
  | { kind: 'zadd'; flags: readonly string[]; pairs: [string, string][] }
  | { kind: 'zincrby'; score: string; member: string }
  | { kind: 'zrem'; members: string[] }
  | { kind: 'zpopmin' | 'zpopmax'; count: number }
  | { kind: 'zremrangebyrank'; start: number; stop: number }
  | { kind: 'zremrangebyscore'; min: number; max: number };

/** Scores of every packed width: 0, 1..6-byte integers, doubles (fractions, 2^47, ±inf, -0). */
const score = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -40, max: 40 }).map(String) },
  fc.constantFrom('-0', '0.5', '-2.5', '1e15', '140737488355327', '140737488355328', '-140737488355328'),
  fc.constantFrom('2147483648', '-2147483649', '8388608', '32768', '-129', 'inf', '-inf'),
);
/** Up to 1.5 × PACKED_MEMBERS_MAX short members (so a set can pass PACKED_MEMBERS_MAX), some sharing prefixes, and a few too long to pack. */
const member = fc.oneof(
  { weight: 60, arbitrary: fc.integer({ min: 0, max: PACKED_MEMBERS_MAX * 1.5 }).map((i) => `m${i}`) },
  { weight: 2, arbitrary: fc.constantFrom('', 'm', '\u00ff', 'a\u0000', 'x'.repeat(PACKED_MEMBER_BYTES_MAX)) },
  fc.integer({ min: 0, max: 3 }).map((i) => `${'y'.repeat(PACKED_MEMBER_BYTES_MAX)}${i}`),
);
const zaddFlags = fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['XX', 'GT'], ['XX', 'LT'], ['GT', 'CH']);
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(zaddFlags, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 48, size: 'max' }))
      .map(([flags, pairs]) => ({ kind: 'zadd' as const, flags, pairs })),
  },
  fc
    .tuple(fc.integer({ min: 0, max: PACKED_MEMBERS_MAX }), fc.integer({ min: 20, max: 90 }), score)
    .map(([first, count, s]) => ({
      kind: 'zadd' as const,
      flags: [],
      pairs: Array.from({ length: count }, (_, k): [string, string] => [s, `m${first + k}`]),
    })),
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT']), score, member).map(([flags, s, m]) => ({
      kind: 'zadd' as const,
      flags: [...flags, 'INCR'],
      pairs: [[s, m] as [string, string]],
    })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(score, member).map(([s, m]) => ({ kind: 'zincrby' as const, score: s, member: m })),
  },
  {
    weight: 2,
    arbitrary: fc.array(member, { minLength: 1, maxLength: 40 }).map((m) => ({ kind: 'zrem' as const, members: m })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('zpopmin' as const, 'zpopmax' as const), fc.integer({ min: 1, max: 60 }))
      .map(([kind, count]) => ({ kind, count })),
  },
  fc
    .tuple(fc.integer({ min: -70, max: 70 }), fc.integer({ min: -70, max: 70 }))
    .map(([start, stop]) => ({ kind: 'zremrangebyrank' as const, start, stop })),
  fc
    .tuple(fc.integer({ min: -40, max: 40 }), fc.integer({ min: 0, max: 20 }))
    .map(([min, width]) => ({ kind: 'zremrangebyscore' as const, min, max: min + width })),
);

/** `action` with the members too long to pack replaced by short ones, for runs that must grow packed. */
function packable(action: Step): Step {
  const short = (m: string): string => (m.length > PACKED_MEMBER_BYTES_MAX ? `m${m.length}${m.slice(-1)}` : m);
  switch (action.kind) {
    case 'zadd':
      return { ...action, pairs: action.pairs.map(([s, m]) => [s, short(m)]) };
    case 'zincrby':
      return { ...action, member: short(action.member) };
    case 'zrem':
      return { ...action, members: action.members.map(short) };
    default:
      return action;
  }
}

function argvOf(action: Step): string[] {
  switch (action.kind) {
    case 'zadd':
      return ['ZADD', 'z', ...action.flags, ...action.pairs.flat()];
    case 'zincrby':
      return ['ZINCRBY', 'z', action.score, action.member];
    case 'zrem':
      return ['ZREM', 'z', ...action.members];
    case 'zpopmin':
    case 'zpopmax':
      return [action.kind.toUpperCase(), 'z', String(action.count)];
    case 'zremrangebyrank':
      return ['ZREMRANGEBYRANK', 'z', String(action.start), String(action.stop)];
    case 'zremrangebyscore':
      return ['ZREMRANGEBYSCORE', 'z', String(action.min), String(action.max)];
  }
}

function expectedReply(model: Model, action: Step): Reply {
  switch (action.kind) {
    case 'zadd':
      return model.zadd(
        action.flags,
        action.pairs.map(([s, m]) => [Number(s.replace('inf', 'Infinity')), m]),
      );
    case 'zincrby':
      return model.zadd(['INCR'], [[Number(action.score.replace('inf', 'Infinity')), action.member]]);
    case 'zrem':
      return model.remove(new Set(action.members));
    case 'zpopmin':
    case 'zpopmax':
      return model.pop(action.count, action.kind === 'zpopmin' ? 'min' : 'max');
    case 'zremrangebyrank':
      return model.removeRankRange(action.start, action.stop);
    case 'zremrangebyscore':
      return model.removeScoreRange(action.min, action.max);
  }
}

describe('ZSetValue: the packed form', () => {
  it('answers like a plain model under random writes, across the packed limits both ways', () => {
    const seen = { packedPastHalf: 0, pastMembers: 0, pastBytes: 0, shrunkAfterConverting: 0 };
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), (longMembers, steps) => {
        const engine = new Engine({ role: 'primary' });
        const run = (argv: string[]): Reply => engine.execute(argv, 1_000).reply;
        let model = new Model();
        for (const action of longMembers ? steps : steps.map(packable)) {
          expect(run(argvOf(action)), JSON.stringify(argvOf(action))).toEqual(expectedReply(model, action));
          if (model.scores.size === 0) model = new Model();
          const value = engine.db.data.get('z') as ZSetValue | undefined;
          expect(value?.isPacked).toBe(model.scores.size === 0 ? undefined : !model.pastLimits);
          const size = model.scores.size;
          if (value?.isPacked === true && size > PACKED_MEMBERS_MAX / 2) seen.packedPastHalf++;
          if (model.pastLimit === 'members') seen.pastMembers++;
          if (model.pastLimit === 'bytes') seen.pastBytes++;
          if (model.pastLimits && size < PACKED_MEMBERS_MAX / 2) seen.shrunkAfterConverting++;
        }
        // Replies above show most mistakes at once; the whole state is compared once per run.
        const sorted = model.sorted();
        const members = sorted.map(([m]) => m);
        const zset = (engine.db.data.get('z') as ZSetValue | undefined) ?? new ZSetValue();
        expect(run(['ZRANGE', 'z', '0', '-1', 'WITHSCORES'])).toEqual(sorted.flatMap(([m, s]) => [m, formatDouble(s)]));
        expect({
          size: zset.size,
          scores: members.map((m) => zset.score(m)),
          ranks: members.map((m) => zset.rank(m)),
          reversed: [...zset.entries(sorted.length - 1, true)].map((e) => e.member),
        }).toEqual({
          size: sorted.length,
          scores: sorted.map(([, s]) => s),
          ranks: sorted.map((_, rank) => rank),
          reversed: [...members].reverse(),
        });
      }),
      { numRuns: 200 },
    );
    // The workload must reach every region, or the test would pass without testing them.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(50);
  }, 120_000);

  it('stays packed up to its limits and becomes a dictionary for good past either', () => {
    const engine = new Engine({ role: 'primary' });
    const run = (...argv: string[]): Reply => engine.execute(argv, 1_000).reply;
    const isPacked = (key: string): boolean | undefined => (engine.db.data.get(key) as ZSetValue | undefined)?.isPacked;
    for (let i = 0; i < PACKED_MEMBERS_MAX; i++) run('ZADD', 'many', String(i % 7), `m${i}`);
    expect(isPacked('many')).toBe(true);
    run('ZADD', 'many', '0', 'm0', '1', 'm1');
    expect(isPacked('many')).toBe(true);
    expect(run('ZADD', 'many', '3', 'one more')).toBe(1);
    expect(isPacked('many')).toBe(false);
    run('ZREMRANGEBYRANK', 'many', '0', '-3');
    const highest = Array.from({ length: PACKED_MEMBERS_MAX }, (_, i) => i)
      .filter((i) => i % 7 === 6)
      .map((i) => `m${i}`)
      .sort();
    expect(run('ZRANGE', 'many', '0', '-1', 'WITHSCORES')).toEqual(highest.slice(-2).flatMap((m) => [m, '6']));
    expect(isPacked('many')).toBe(false);

    run('ZADD', 'long', '1', 'a', '2', 'x'.repeat(PACKED_MEMBER_BYTES_MAX));
    expect(isPacked('long')).toBe(true);
    run('ZADD', 'long', '3', 'y'.repeat(PACKED_MEMBER_BYTES_MAX + 1));
    expect(isPacked('long')).toBe(false);
    expect(run('ZRANGE', 'long', '0', '-1')).toEqual([
      'a',
      'x'.repeat(PACKED_MEMBER_BYTES_MAX),
      'y'.repeat(PACKED_MEMBER_BYTES_MAX + 1),
    ]);
  });

  it('keeps every score exactly, whatever width it is packed in', () => {
    const boundaries = [0, 1, 7, 8, 15, 16, 23, 24, 31, 32, 39, 40, 47, 48, 52, 53].flatMap((bits) => [
      2 ** bits - 1,
      2 ** bits,
      -(2 ** bits),
      -(2 ** bits) - 1,
    ]);
    const special = [-0, 0.5, -1e300, Number.MIN_VALUE, Infinity, -Infinity, 1_700_000_000_000];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...boundaries, ...special), fc.double({ noNaN: true })), {
          minLength: 1,
          maxLength: PACKED_MEMBERS_MAX,
        }),
        (scores) => {
          const zset = new ZSetValue();
          scores.forEach((s, i) => zset.set(`m${i}`, s));
          expect(zset.isPacked).toBe(true);
          scores.forEach((s, i) => expect(Object.is(zset.score(`m${i}`), s)).toBe(true));
          const ordered = [...zset.entries()].map((e) => e.score);
          for (let i = 1; i < ordered.length; i++)
            expect(ordered[i - 1] as number).toBeLessThanOrEqual(ordered[i] as number);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers rank, range and scan queries alike packed and as a dictionary', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), fc.integer({ min: -5, max: 5 })), {
          selector: ([m]) => m,
          maxLength: PACKED_MEMBERS_MAX - 1,
        }),
        (entries) => {
          const packed = new ZSetValue();
          const dict = new ZSetValue();
          dict.set('z'.repeat(PACKED_MEMBER_BYTES_MAX + 1), 0);
          dict.remove('z'.repeat(PACKED_MEMBER_BYTES_MAX + 1));
          for (const [m, s] of entries) {
            packed.set(m, s / 2);
            dict.set(m, s / 2);
          }
          expect(packed.isPacked && !dict.isPacked).toBe(true);
          const all = (z: ZSetValue): unknown => [...z.entries()];
          expect(all(packed)).toEqual(all(dict));
          for (let rank = -1; rank <= entries.length; rank++) {
            expect(packed.at(rank)).toEqual(dict.at(rank));
            expect([...packed.entries(rank, true)]).toEqual([...dict.entries(rank, true)]);
            expect([...packed.entries(rank)]).toEqual([...dict.entries(rank)]);
          }
          expect(packed.last()).toEqual(dict.last());
          for (let limit = -3; limit <= 3; limit += 0.5) {
            expect(packed.countScoresBelow(limit, false)).toBe(dict.countScoresBelow(limit, false));
            expect(packed.countScoresBelow(limit, true)).toBe(dict.countScoresBelow(limit, true));
          }
          const scanned: [string, number][] = [];
          expect(packed.scan(0, 10, (m, s) => scanned.push([m, s]))).toBe(0);
          expect(scanned.sort()).toEqual([...dict.entries()].map((e) => [e.member, e.score]).sort());
          expect(new Set(packed.members())).toEqual(new Set(dict.members()));
          const sampled: string[] = [];
          packed.sample(5, (m) => sampled.push(m));
          expect(sampled.length).toBe(Math.min(5, entries.length));
          expect(packed.clone().dump()).toEqual(dict.dump());
        },
      ),
      { numRuns: 200 },
    );
  });
});
