/** Random set command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

const key = fc.constantFrom('s1', 's2', 's3');
/** Integers too, so redis-server's intset encoding is exercised on the oracle's side. */
const member = fc.constantFrom('a', 'b', 'c', '1', '2', '10', '\u00ff\u0000');
const members = fc.array(member, { minLength: 1, maxLength: 6 });
const keyList = fc.array(key, { minLength: 1, maxLength: 4 });

/** Commands whose replies are deterministic up to order (SPOP only in its pop-everything form). */
export const setCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, members).map(([k, m]) => ['SADD', k, ...m]) },
  { weight: 2, arbitrary: fc.tuple(key, members).map(([k, m]) => ['SREM', k, ...m]) },
  key.map((k) => ['SMEMBERS', k]),
  fc.tuple(key, member).map(([k, m]) => ['SISMEMBER', k, m]),
  fc.tuple(key, members).map(([k, m]) => ['SMISMEMBER', k, ...m]),
  key.map((k) => ['SCARD', k]),
  key.map((k) => ['SPOP', k, '10']),
  fc.tuple(key, fc.integer({ min: -5, max: 5 })).map(([k, n]) => ['SRANDMEMBER', k, String(n)]),
  key.map((k) => ['SRANDMEMBER', k]),
  fc.tuple(key, key, member).map(([s, d, m]) => ['SMOVE', s, d, m]),
  fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keyList).map(([c, ks]) => [c, ...ks]),
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keyList)
      .map(([c, d, ks]) => [c, d, ...ks]),
  },
  fc
    .tuple(keyList, fc.option(fc.nat(3)))
    .map(([ks, limit]) => [
      'SINTERCARD',
      String(ks.length),
      ...ks,
      ...(limit === null ? [] : ['LIMIT', String(limit)]),
    ]),
  fc
    .tuple(key, fc.option(fc.constantFrom('*', '[a-c]', '1*', '?')))
    .map(([k, pattern]) => ['SSCAN', k, '0', ...(pattern === null ? [] : ['MATCH', pattern]), 'COUNT', '1000']),
  key.map((k) => ['SET', k, 'str']),
  key.map((k) => ['DEL', k]),
);

/** Adds what only a replay can check: real random SPOPs and keys with short TTLs. */
export const setCommandForReplay: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: setCommand },
  {
    weight: 2,
    arbitrary: fc
      .tuple(key, fc.option(fc.integer({ min: 0, max: 4 })))
      .map(([k, n]) => (n === null ? ['SPOP', k] : ['SPOP', k, String(n)])),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(key, fc.integer({ min: 1, max: 4 })).map(([k, ms]) => ['SET', k, 'str', 'PX', String(ms)]),
  },
);

const unordered = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SPOP']);

function sortedCopy(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/**
 * Makes set replies comparable with redis-server's: member order is hash order there, and
 * SRANDMEMBER's choice is random, so only its size (and for one member, whether there is one) counts.
 */
export function normalizeSetReply(argv: readonly string[], reply: unknown): unknown {
  const command = (argv[0] ?? '').toUpperCase();
  if (!Array.isArray(reply)) {
    if (command === 'SRANDMEMBER' && typeof reply === 'string') return { member: true };
    return reply;
  }
  if (unordered.has(command)) return sortedCopy(reply);
  if (command === 'SSCAN' && Array.isArray(reply[1])) return [reply[0], sortedCopy(reply[1])];
  if (command === 'SRANDMEMBER') return { members: reply.length };
  return reply;
}
