/** Random keyspace command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

export const keyName = fc.constantFrom('k1', 'k2', 'k3');
const twoKeys = fc.tuple(keyName, keyName).filter(([a, b]) => a !== b);
const keyList = fc.array(keyName, { minLength: 1, maxLength: 4 });
const condition = fc.constantFrom([], ['NX'], ['XX'], ['GT'], ['LT'], ['XX', 'GT'], ['XX', 'LT']);
const relativeCondition = fc.constantFrom([], ['NX'], ['XX']);

/** Writes that give keys each type, without shrinking a value (so encodings never depend on history). */
const typedWrite = fc.oneof(
  fc.tuple(keyName, fc.constantFrom('v', '12', 'x'.repeat(50))).map(([k, v]) => ['SET', k, v]),
  fc.tuple(keyName, fc.constantFrom(['a'], ['1', '2'], ['b', '3'])).map(([k, m]) => ['SADD', k, ...m]),
  fc.tuple(keyName, fc.constantFrom(['a'], ['b', 'c'])).map(([k, items]) => ['RPUSH', k, ...items]),
  fc.tuple(keyName, fc.constantFrom(['f', 'v'], ['g', 'w', 'h', 'x'])).map(([k, fv]) => ['HSET', k, ...fv]),
  fc.tuple(keyName, fc.constantFrom(['1', 'm'], ['2.5', 'n'])).map(([k, sm]) => ['ZADD', k, ...sm]),
);

/**
 * TTLs far from each other and from "now", so relative and absolute times never tie between our
 * engine and redis-server (which read their clocks a few ms apart); past times delete at once.
 */
const expireCommand = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('EXPIRE', 'PEXPIRE'),
      keyName,
      fc.constantFrom('150', '5000', '20000', '-5', '0'),
      relativeCondition,
    )
    .map(([c, k, t, o]) => [c, k, c === 'PEXPIRE' && t !== '-5' && t !== '0' ? `${t}000` : t, ...o]),
  fc
    .tuple(
      fc.constantFrom('EXPIREAT', 'PEXPIREAT'),
      keyName,
      fc.constantFrom('4102444800', '4200000000', '1000'),
      condition,
    )
    .map(([c, k, t, o]) => [c, k, c === 'PEXPIREAT' ? `${t}000` : t, ...o]),
);

export const keyCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: typedWrite },
  { weight: 4, arbitrary: expireCommand },
  { weight: 1, arbitrary: keyList.map((ks) => ['DEL', ...ks]) },
  { weight: 1, arbitrary: keyList.map((ks) => ['UNLINK', ...ks]) },
  keyList.map((ks) => ['EXISTS', ...ks]),
  keyList.map((ks) => ['TOUCH', ...ks]),
  keyName.map((k) => ['TYPE', k]),
  fc.tuple(fc.constantFrom('TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME'), keyName).map(([c, k]): string[] => [c, k]),
  keyName.map((k) => ['PERSIST', k]),
  { weight: 2, arbitrary: twoKeys.map(([a, b]) => ['RENAME', a, b]) },
  twoKeys.map(([a, b]) => ['RENAMENX', a, b]),
  {
    weight: 2,
    arbitrary: fc
      .tuple(twoKeys, fc.constantFrom([], ['REPLACE'], ['DB', '0'], ['DB', '0', 'REPLACE']))
      .map(([[a, b], o]) => ['COPY', a, b, ...o]),
  },
  fc.constant<string[]>(['DBSIZE']),
  fc.constantFrom('*', 'k[12]', 'k?', 'x*', 'k\\1').map((p) => ['KEYS', p]),
  fc
    .tuple(fc.constantFrom([], ['MATCH', 'k[13]'], ['TYPE', 'string'], ['TYPE', 'hash'], ['TYPE', 'nosuch']))
    .map(([o]) => ['SCAN', '0', 'COUNT', '1000', ...o]),
  fc.constant<string[]>(['RANDOMKEY']),
  // REFCOUNT is left to the targeted cases: Redis's answer depends on how the value was made (COPY unshares).
  keyName.map((k) => ['OBJECT', 'ENCODING', k]),
  keyName.map((k) => ['GET', k]),
  keyName.map((k) => ['LRANGE', k, '0', '-1']),
  keyName.map((k) => ['SMEMBERS', k]),
  keyName.map((k) => ['HGETALL', k]),
  keyName.map((k) => ['ZRANGE', k, '0', '-1', 'WITHSCORES']),
);

/** Adds what only a replay can check: short TTLs that lapse while the sequence runs, field TTLs, flushes. */
export const keyCommandForReplay: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 10, arbitrary: keyCommand },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('PEXPIRE', 'EXPIRE'), keyName, fc.integer({ min: -2, max: 6 }))
      .map(([c, k, t]) => [c, k, String(t)]),
  },
  fc.tuple(keyName, fc.integer({ min: 1, max: 6 })).map(([k, ms]) => ['SET', k, 'short', 'PX', String(ms)]),
  fc.tuple(keyName, fc.integer({ min: 1, max: 6 })).map(([k, ms]) => ['HPEXPIRE', k, String(ms), 'FIELDS', '1', 'f']),
  fc.constant<string[]>(['FLUSHALL']),
  fc.constant<string[]>(['FLUSHDB', 'ASYNC']),
  fc.constant<string[]>(['SCAN', '0', 'COUNT', '2', 'WITHTYPE']),
);

function sortedCopy(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/** Pairs [a1, b1, a2, b2…] sorted by their first element. */
function sortedPairs(values: unknown[]): unknown[] {
  const pairs: unknown[][] = [];
  for (let i = 0; i + 1 < values.length; i += 2) pairs.push([values[i], values[i + 1]]);
  return pairs.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)).flat();
}

/** Order of magnitude of a positive time, so a few ms of clock difference do not matter. */
function magnitude(value: unknown): unknown {
  return typeof value === 'number' && value > 0 ? { magnitude: Math.floor(Math.log10(value)) } : value;
}

/**
 * Makes keyspace replies comparable with redis-server's: unordered output sorted, times reduced to
 * their order of magnitude, RANDOMKEY reduced to whether it found a key.
 */
export function normalizeKeyReply(argv: readonly string[], reply: unknown): unknown {
  const command = (argv[0] ?? '').toUpperCase();
  if (command === 'TTL' || command === 'PTTL' || command === 'EXPIRETIME' || command === 'PEXPIRETIME') {
    return magnitude(reply);
  }
  if (command === 'RANDOMKEY') return reply === null ? null : { key: true };
  if (!Array.isArray(reply)) return reply;
  if (command === 'KEYS' || command === 'SMEMBERS') return sortedCopy(reply);
  if (command === 'HGETALL') return sortedPairs(reply);
  if (command === 'SCAN' && Array.isArray(reply[1])) return [reply[0], sortedCopy(reply[1])];
  return reply;
}
