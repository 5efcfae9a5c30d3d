/** Random sorted-set command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

const key = fc.constantFrom('z1', 'z2', 'z3');
/** Ties are common, so member byte order decides much of the ordering. */
const member = fc.constantFrom('a', 'b', 'c', 'd', 'aa', 'B', '1', '10', '\u00ff', 'a\u0000');
const members = fc.array(member, { minLength: 1, maxLength: 5 });
const score = fc.constantFrom(
  '0',
  '1',
  '-1',
  '2',
  '0.1',
  '0.2',
  '1.5',
  '-2.5',
  '1e3',
  'inf',
  '-inf',
  '+inf',
  '-0',
  '3',
);
const scoreBound = fc.constantFrom('-inf', '+inf', '0', '(0', '1', '(1', '1.5', '(1.5', '(2', '3', 'inf', '(inf', '-1');
const lexBound = fc.constantFrom('-', '+', '[a', '(a', '[b', '(b', '[aa', '[c', '(d', '[1', '(\u00ff', '[B');
const rank = fc.integer({ min: -6, max: 6 }).map(String);
const flags = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH'], { maxLength: 2 });
const keys = fc.array(fc.constantFrom('z1', 'z2', 'z3', 's1'), { minLength: 1, maxLength: 3 });
const limit = fc.option(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 4 })), { nil: undefined });

function limitArgs(value: [number, number] | undefined): string[] {
  return value === undefined ? [] : ['LIMIT', String(value[0]), String(value[1])];
}

function pairs(entries: [string, string][]): string[] {
  return entries.flatMap(([s, m]) => [s, m]);
}

const zadd = fc
  .tuple(key, flags, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 5 }))
  .map(([k, f, p]) => ['ZADD', k, ...f, ...pairs(p)]);

const zaddIncr = fc.tuple(key, flags, score, member).map(([k, f, s, m]) => ['ZADD', k, ...f, 'INCR', s, m]);

const zrange = fc
  .tuple(
    key,
    fc.constantFrom('rank', 'score', 'lex'),
    fc.boolean(),
    fc.boolean(),
    limit,
    rank,
    rank,
    scoreBound,
    scoreBound,
  )
  .chain(([k, kind, rev, withScores, lim, r1, r2, s1, s2]) =>
    lexBound.chain((l1) =>
      lexBound.map((l2) => {
        const bounds = kind === 'rank' ? [r1, r2] : kind === 'score' ? [s1, s2] : [l1, l2];
        return [
          'ZRANGE',
          k,
          ...bounds,
          ...(kind === 'score' ? ['BYSCORE'] : kind === 'lex' ? ['BYLEX'] : []),
          ...(rev ? ['REV'] : []),
          ...(kind === 'rank' ? [] : limitArgs(lim)),
          ...(withScores && kind !== 'lex' ? ['WITHSCORES'] : []),
        ];
      }),
    ),
  );

const byScore = fc
  .tuple(fc.constantFrom('ZRANGEBYSCORE', 'ZREVRANGEBYSCORE'), key, scoreBound, scoreBound, fc.boolean(), limit)
  .map(([c, k, a, b, w, l]) => [c, k, a, b, ...(w ? ['WITHSCORES'] : []), ...limitArgs(l)]);

const byLex = fc
  .tuple(fc.constantFrom('ZRANGEBYLEX', 'ZREVRANGEBYLEX'), key, lexBound, lexBound, limit)
  .map(([c, k, a, b, l]) => [c, k, a, b, ...limitArgs(l)]);

const combine = fc
  .tuple(
    fc.constantFrom('ZUNION', 'ZINTER', 'ZDIFF', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE'),
    key,
    keys,
    fc.option(fc.array(fc.constantFrom('1', '2', '0.5', '-1', '0', 'inf'), { minLength: 3, maxLength: 3 }), {
      nil: undefined,
    }),
    fc.option(fc.constantFrom('SUM', 'MIN', 'MAX'), { nil: undefined }),
  )
  .map(([c, destination, ks, weights, aggregate]) => {
    const store = c.endsWith('STORE');
    const scoring = !c.startsWith('ZDIFF');
    return [
      c,
      ...(store ? [destination] : []),
      String(ks.length),
      ...ks,
      ...(scoring && weights !== undefined ? ['WEIGHTS', ...weights.slice(0, ks.length)] : []),
      ...(scoring && aggregate !== undefined ? ['AGGREGATE', aggregate] : []),
      ...(store ? [] : ['WITHSCORES']),
    ];
  });

/** Commands whose replies are deterministic (ZRANDMEMBER only where it must answer the whole set). */
export const zsetCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: zadd },
  { weight: 2, arbitrary: zaddIncr },
  { weight: 2, arbitrary: fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]) },
  { weight: 2, arbitrary: fc.tuple(key, members).map(([k, m]) => ['ZREM', k, ...m]) },
  fc.tuple(key, member).map(([k, m]) => ['ZSCORE', k, m]),
  fc.tuple(key, members).map(([k, m]) => ['ZMSCORE', k, ...m]),
  key.map((k) => ['ZCARD', k]),
  fc.tuple(key, scoreBound, scoreBound).map(([k, a, b]) => ['ZCOUNT', k, a, b]),
  fc.tuple(key, lexBound, lexBound).map(([k, a, b]) => ['ZLEXCOUNT', k, a, b]),
  fc.tuple(fc.constantFrom('ZRANK', 'ZREVRANK'), key, member).map(([c, k, m]) => [c, k, m]),
  { weight: 4, arbitrary: zrange },
  { weight: 2, arbitrary: byScore },
  { weight: 2, arbitrary: byLex },
  fc.tuple(key, rank, rank, fc.boolean()).map(([k, a, b, w]) => ['ZREVRANGE', k, a, b, ...(w ? ['WITHSCORES'] : [])]),
  zrange.chain((argv) => key.map((d) => ['ZRANGESTORE', d, ...argv.slice(1).filter((a) => a !== 'WITHSCORES')])),
  fc.tuple(key, rank, rank).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
  fc.tuple(key, scoreBound, scoreBound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]),
  fc.tuple(key, lexBound, lexBound).map(([k, a, b]) => ['ZREMRANGEBYLEX', k, a, b]),
  fc
    .tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, fc.option(fc.nat(3), { nil: undefined }))
    .map(([c, k, n]) => [c, k, ...(n === undefined ? [] : [String(n)])]),
  fc
    .tuple(keys, fc.constantFrom('MIN', 'MAX'), fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }))
    .map(([ks, w, n]) => ['ZMPOP', String(ks.length), ...ks, w, ...(n === undefined ? [] : ['COUNT', String(n)])]),
  { weight: 3, arbitrary: combine },
  fc
    .tuple(keys, fc.option(fc.nat(2), { nil: undefined }))
    .map(([ks, l]) => ['ZINTERCARD', String(ks.length), ...ks, ...(l === undefined ? [] : ['LIMIT', String(l)])]),
  fc.tuple(key, fc.boolean()).map(([k, w]) => ['ZRANDMEMBER', k, '50', ...(w ? ['WITHSCORES'] : [])]),
  fc
    .tuple(key, fc.option(fc.constantFrom('*', 'a*', '[ab]', '?'), { nil: undefined }))
    .map(([k, pattern]) => ['ZSCAN', k, '0', ...(pattern === undefined ? [] : ['MATCH', pattern])]),
  fc.tuple(members).map(([m]) => ['SADD', 's1', ...m]),
  key.map((k) => ['SET', k, 'str']),
  key.map((k) => ['DEL', k]),
);

/** A ZADD of 100-250 members with mixed scores: past Redis's listpack size, where lex lookups binary-search. */
const bulkAdd = fc
  .tuple(key, fc.integer({ min: 100, max: 250 }), fc.integer({ min: 1, max: 1000 }))
  .map(([k, count, seed]) => {
    const argv = ['ZADD', k];
    for (let i = 0; i < count; i++) argv.push(String(((i * seed) % 17) / 2), `m${(i * 7919 + seed) % 400}`);
    return argv;
  });

/** Adds what only a replay can check: random choices, pops, big sets and keys with short TTLs. */
export const zsetCommandForReplay: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 10, arbitrary: zsetCommand },
  bulkAdd,
  fc.tuple(key, fc.integer({ min: -5, max: 5 })).map(([k, n]) => ['ZRANDMEMBER', k, String(n), 'WITHSCORES']),
  fc.tuple(key, fc.integer({ min: 1, max: 4 })).map(([k, ms]) => ['SET', k, 'str', 'PX', String(ms)]),
);
