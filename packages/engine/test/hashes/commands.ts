/** Random hash command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

const key = fc.constantFrom('h1', 'h2', 'h3');
/** Integers too, so redis-server's listpack integer encoding is exercised on the oracle's side. */
const field = fc.constantFrom('a', 'b', 'c', '1', '10', '\u00ff\u0000');
const fields = fc.array(field, { minLength: 1, maxLength: 5 });
const value = fc.constantFrom('x', 'yy', '0', '7', '-3', '2.5', '', '\u00e9\u0000');
const pairs = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 4 }).map((list) => list.flat());
/** Dyadic increments only: a JS double and Redis's long double then print the same digits. */
const floatIncrement = fc.constantFrom('0.5', '-0.25', '1.5', '10', '-2.75', '3e2');

/** Commands of Redis 7.0 whose replies are deterministic up to order (HRANDFIELD only by size). */
export const hashCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, pairs).map(([k, p]) => ['HSET', k, ...p]) },
  fc.tuple(key, pairs).map(([k, p]) => ['HMSET', k, ...p]),
  fc.tuple(key, field, value).map(([k, f, v]) => ['HSETNX', k, f, v]),
  { weight: 2, arbitrary: fc.tuple(key, fields).map(([k, f]) => ['HDEL', k, ...f]) },
  fc.tuple(key, field).map(([k, f]) => ['HGET', k, f]),
  fc.tuple(key, fields).map(([k, f]) => ['HMGET', k, ...f]),
  fc.tuple(fc.constantFrom('HGETALL', 'HKEYS', 'HVALS', 'HLEN'), key).map(([c, k]) => [c, k]),
  fc.tuple(fc.constantFrom('HEXISTS', 'HSTRLEN'), key, field).map(([c, k, f]) => [c, k, f]),
  {
    weight: 2,
    arbitrary: fc.tuple(key, field, fc.integer({ min: -5, max: 5 })).map(([k, f, n]) => ['HINCRBY', k, f, String(n)]),
  },
  { weight: 2, arbitrary: fc.tuple(key, field, floatIncrement).map(([k, f, n]) => ['HINCRBYFLOAT', k, f, n]) },
  key.map((k) => ['HRANDFIELD', k]),
  fc
    .tuple(key, fc.integer({ min: -5, max: 5 }), fc.boolean())
    .map(([k, n, withValues]) => ['HRANDFIELD', k, String(n), ...(withValues ? ['WITHVALUES'] : [])]),
  fc
    .tuple(key, fc.option(fc.constantFrom('*', '[a-c]', '1*', '?')))
    .map(([k, pattern]) => ['HSCAN', k, '0', ...(pattern === null ? [] : ['MATCH', pattern]), 'COUNT', '1000']),
  key.map((k) => ['SET', k, 'str']),
  key.map((k) => ['DEL', k]),
);

const ttlMs = fc.integer({ min: 0, max: 12 }).map(String);
const condition = fc.constantFrom<string[]>([], ['NX'], ['XX'], ['GT'], ['LT']);
const fieldList = fields.map((f) => ['FIELDS', String(f.length), ...f]);

/** The field-TTL commands (Redis 7.4/8.0) with TTLs of a few ms, for runs where time advances. */
export const fieldTtlCommand: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(key, ttlMs, condition, fieldList).map(([k, t, c, f]) => ['HPEXPIRE', k, t, ...c, ...f]),
  },
  fc.tuple(key, condition, fieldList).map(([k, c, f]) => ['HEXPIRE', k, '0', ...c, ...f]),
  fc.tuple(key, condition, fieldList).map(([k, c, f]) => ['HEXPIRE', k, '100', ...c, ...f]),
  fc.tuple(key, fc.constantFrom('1', '1700000000005'), fieldList).map(([k, t, f]) => ['HPEXPIREAT', k, t, ...f]),
  fc.tuple(key, fieldList).map(([k, f]) => ['HEXPIREAT', k, '1700000000', ...f]),
  fc
    .tuple(fc.constantFrom('HTTL', 'HPTTL', 'HEXPIRETIME', 'HPEXPIRETIME', 'HPERSIST', 'HGETDEL'), key, fieldList)
    .map(([c, k, f]) => [c, k, ...f]),
  fc
    .tuple(key, fc.constantFrom<string[]>([], ['PX', '5'], ['EX', '0'], ['PXAT', '1'], ['PERSIST']), fieldList)
    .map(([k, o, f]) => ['HGETEX', k, ...o, ...f]),
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        key,
        fc.constantFrom<string[]>([], ['FNX'], ['FXX']),
        fc.constantFrom<string[]>([], ['PX', '4'], ['EX', '0'], ['KEEPTTL'], ['PXAT', '1700000000008']),
        pairs,
      )
      .map(([k, c, e, p]) => ['HSETEX', k, ...c, ...e, 'FIELDS', String(p.length / 2), ...p]),
  },
);

/** Adds what only a replay can check: field TTLs expiring while time advances, keys with short TTLs. */
export const hashCommandForReplay: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: hashCommand },
  { weight: 4, arbitrary: fieldTtlCommand },
  fc.tuple(key, fc.integer({ min: 1, max: 4 })).map(([k, ms]) => ['SET', k, 'str', 'PX', String(ms)]),
);

const unordered = new Set(['HKEYS', 'HVALS']);

function sortedCopy(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function sortedPairs(flat: unknown[]): unknown[] {
  const pairs: unknown[][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)).flat();
}

/**
 * Makes hash replies comparable with redis-server's: field order is the encoding's order there,
 * and HRANDFIELD's choice is random, so only its size (and whether it found a field) counts.
 */
export function normalizeHashReply(argv: readonly string[], reply: unknown): unknown {
  const command = (argv[0] ?? '').toUpperCase();
  if (!Array.isArray(reply)) {
    if (command === 'HRANDFIELD' && typeof reply === 'string') return { field: true };
    return reply;
  }
  if (unordered.has(command)) return sortedCopy(reply);
  if (command === 'HGETALL') return sortedPairs(reply);
  if (command === 'HSCAN' && Array.isArray(reply[1])) return [reply[0], sortedPairs(reply[1])];
  if (command === 'HRANDFIELD') return { items: reply.length };
  return reply;
}
