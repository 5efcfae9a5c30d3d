/** Random list command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

const keys = ['l1', 'l2', 'l3'];
const key = fc.constantFrom(...keys);
const element = fc.constantFrom('a', 'b', 'c', 'a', 'b', '\u00ff\u0000');
const elements = fc.array(element, { minLength: 1, maxLength: 8 });
const index = fc.integer({ min: -8, max: 8 }).map(String);
const end = fc.constantFrom('LEFT', 'RIGHT', 'left');

/** Commands whose replies are deterministic and time-independent (no TTL reads). */
export const listCommand: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, elements)
      .map(([c, k, e]) => [c, k, ...e]),
  },
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.integer({ min: -1, max: 6 })).map(([c, k, n]) => [c, k, String(n)]),
  fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]),
  fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]),
  fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]),
  fc
    .tuple(key, fc.constantFrom('BEFORE', 'AFTER', 'after'), element, element)
    .map(([k, w, p, e]) => ['LINSERT', k, w, p, e]),
  key.map((k) => ['LLEN', k]),
  fc.tuple(key, fc.integer({ min: -3, max: 3 }), element).map(([k, n, e]) => ['LREM', k, String(n), e]),
  fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]),
  fc
    .tuple(
      key,
      element,
      fc.option(fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0)),
      fc.option(fc.nat(3)),
      fc.option(fc.nat(5)),
    )
    .map(([k, e, rank, count, maxlen]) => [
      'LPOS',
      k,
      e,
      ...(rank === null ? [] : ['RANK', String(rank)]),
      ...(count === null ? [] : ['COUNT', String(count)]),
      ...(maxlen === null ? [] : ['MAXLEN', String(maxlen)]),
    ]),
  fc.tuple(key, key, end, end).map(([s, d, f, t]) => ['LMOVE', s, d, f, t]),
  fc.tuple(key, key).map(([s, d]) => ['RPOPLPUSH', s, d]),
  fc
    .tuple(fc.uniqueArray(key, { minLength: 1, maxLength: 3 }), end, fc.option(fc.integer({ min: 1, max: 4 })))
    .map(([ks, e, n]) => ['LMPOP', String(ks.length), ...ks, e, ...(n === null ? [] : ['COUNT', String(n)])]),
  fc.tuple(key, fc.constantFrom('0', '-1', '1')).map(([k, i]) => ['LRANGE', k, '0', i]),
  key.map((k) => ['LRANGE', k, '0', '-1']),
  key.map((k) => ['SET', k, 'str']),
  key.map((k) => ['DEL', k]),
);

/** Adds keys with short TTLs, so lazy expiry is exercised (only for runs that do not compare timing). */
export const listCommandWithExpiry: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: listCommand },
  {
    weight: 1,
    arbitrary: fc.tuple(key, fc.integer({ min: 1, max: 4 })).map(([k, ms]) => ['SET', k, 'str', 'PX', String(ms)]),
  },
);
