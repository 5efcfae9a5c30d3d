/** Random stream command sequences shared by the replay and differential tests. */
import fc from 'fast-check';

const key = fc.constantFrom('x1', 'x2');
const group = fc.constantFrom('g1', 'g2');
const consumer = fc.constantFrom('c1', 'c2', 'c3');
const field = fc.constantFrom('f', 'g', '\u00ff\u0000');
const value = fc.constantFrom('1', 'v', '');
const ms = fc.integer({ min: 0, max: 6 });
const seq = fc.integer({ min: 0, max: 3 });
/** Explicit IDs in a small space, so collisions, deletions and range edges are common. */
const id = fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`);
const idOrBare = fc.oneof(id, ms.map(String));
const bound = fc.oneof(
  { weight: 4, arbitrary: idOrBare },
  { weight: 1, arbitrary: fc.constantFrom('-', '+') },
  { weight: 1, arbitrary: id.map((i) => `(${i}`) },
);
const fields = fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).map((pairs) => pairs.flat());
const count = fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined });
const countArgs = count.map((n) => (n === undefined ? [] : ['COUNT', String(n)]));
const ids = fc.array(id, { minLength: 1, maxLength: 3 });

/** Exact trimming only: redis-server trims `~` by whole nodes, Meridian (like Upstash) exactly. */
const trimArgs = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((n) => ['MAXLEN', String(n)]),
  fc.integer({ min: 0, max: 4 }).map((n) => ['MAXLEN', '=', String(n)]),
  id.map((i) => ['MINID', i]),
  id.map((i) => ['MINID', '=', i]),
);

const xadd = fc
  .tuple(
    key,
    fc.boolean(),
    fc.option(trimArgs, { nil: undefined }),
    fc.oneof(
      id,
      ms.map((m) => `${m}-*`),
    ),
    fields,
  )
  .map(([k, noMk, trim, i, f]) => ['XADD', k, ...(noMk ? ['NOMKSTREAM'] : []), ...(trim ?? []), i, ...f]);

const xgroup = fc.oneof(
  fc
    .tuple(key, group, fc.oneof(id, fc.constant('$'), fc.constant('0')), fc.boolean())
    .map(([k, g, i, mk]) => ['XGROUP', 'CREATE', k, g, i, ...(mk ? ['MKSTREAM'] : [])]),
  fc
    .tuple(key, group, fc.oneof(id, fc.constant('$')), fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }))
    .map(([k, g, i, n]) => ['XGROUP', 'SETID', k, g, i, ...(n === undefined ? [] : ['ENTRIESREAD', String(n)])]),
  fc.tuple(key, group).map(([k, g]) => ['XGROUP', 'DESTROY', k, g]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ['XGROUP', 'CREATECONSUMER', k, g, c]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ['XGROUP', 'DELCONSUMER', k, g, c]),
);

/** NOACK only in replays: Meridian (like Upstash) creates no consumer for it, redis-server does. */
const readGroupWith = (noAckChoice: fc.Arbitrary<boolean>): fc.Arbitrary<string[]> =>
  fc
    .tuple(
      group,
      consumer,
      countArgs,
      noAckChoice,
      key,
      fc.oneof({ weight: 3, arbitrary: fc.constant('>') }, { weight: 1, arbitrary: idOrBare }),
    )
    .map(([g, c, n, noAck, k, i]) => ['XREADGROUP', 'GROUP', g, c, ...n, ...(noAck ? ['NOACK'] : []), 'STREAMS', k, i]);
const xreadgroup = readGroupWith(fc.constant(false));

/** Commands whose replies do not depend on time, for both suites. */
export const streamCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: xadd },
  fc.tuple(key, bound, bound, countArgs).map(([k, s, e, n]) => ['XRANGE', k, s, e, ...n]),
  fc.tuple(key, bound, bound, countArgs).map(([k, e, s, n]) => ['XREVRANGE', k, e, s, ...n]),
  key.map((k) => ['XLEN', k]),
  { weight: 2, arbitrary: fc.tuple(key, ids).map(([k, i]) => ['XDEL', k, ...i]) },
  fc.tuple(key, trimArgs).map(([k, t]) => ['XTRIM', k, ...t]),
  fc
    .tuple(countArgs, fc.array(fc.tuple(key, fc.oneof(idOrBare, fc.constant('$'))), { minLength: 1, maxLength: 2 }))
    .map(([n, pairs]) => ['XREAD', ...n, 'STREAMS', ...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])]),
  { weight: 4, arbitrary: xgroup },
  { weight: 5, arbitrary: xreadgroup },
  { weight: 2, arbitrary: fc.tuple(key, group, ids).map(([k, g, i]) => ['XACK', k, g, ...i]) },
  fc.tuple(key, group).map(([k, g]) => ['XPENDING', k, g]),
  fc
    .tuple(key, group, bound, bound, fc.integer({ min: 0, max: 5 }), fc.option(consumer, { nil: undefined }))
    .map(([k, g, s, e, n, c]) => ['XPENDING', k, g, s, e, String(n), ...(c === undefined ? [] : [c])]),
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        key,
        group,
        consumer,
        ids,
        fc.subarray(['FORCE', 'JUSTID']),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      )
      .map(([k, g, c, i, flags, retry]) => [
        'XCLAIM',
        k,
        g,
        c,
        '0',
        ...i,
        ...flags,
        ...(retry === undefined ? [] : ['RETRYCOUNT', String(retry)]),
      ]),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(key, group, consumer, bound, fc.integer({ min: 1, max: 4 }), fc.boolean())
      .map(([k, g, c, s, n, justId]) => [
        'XAUTOCLAIM',
        k,
        g,
        c,
        '0',
        s,
        'COUNT',
        String(n),
        ...(justId ? ['JUSTID'] : []),
      ]),
  },
  fc.tuple(key, fc.boolean()).map(([k, full]) => ['XINFO', 'STREAM', k, ...(full ? ['FULL'] : [])]),
  key.map((k) => ['XINFO', 'GROUPS', k]),
  fc.tuple(key, group).map(([k, g]) => ['XINFO', 'CONSUMERS', k, g]),
  fc.tuple(key, id).map(([k, i]) => ['XSETID', k, i]),
  key.map((k) => ['SET', k, 'str']),
  key.map((k) => ['DEL', k]),
);

/** Adds what only a replay can exercise: `*` IDs, `~` trims with LIMIT, idle-dependent claims, keys with TTLs. */
export const streamCommandForReplay: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 10, arbitrary: streamCommand },
  { weight: 2, arbitrary: readGroupWith(fc.boolean()) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        key,
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fields,
      )
      .map(([k, max, limit, f]) => [
        'XADD',
        k,
        ...(max === undefined
          ? []
          : ['MAXLEN', '~', String(max), ...(limit === undefined ? [] : ['LIMIT', String(limit)])]),
        '*',
        ...f,
      ]),
  },
  fc
    .tuple(
      key,
      group,
      consumer,
      fc.integer({ min: 0, max: 5 }),
      ids,
      fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    )
    .map(([k, g, c, minIdle, i, idle]) => [
      'XCLAIM',
      k,
      g,
      c,
      String(minIdle),
      ...i,
      ...(idle === undefined ? [] : ['IDLE', String(idle)]),
    ]),
  fc
    .tuple(key, group, consumer, fc.integer({ min: 0, max: 5 }))
    .map(([k, g, c, minIdle]) => ['XAUTOCLAIM', k, g, c, String(minIdle), '-']),
  fc
    .tuple(key, group, fc.constantFrom('KEEPREF', 'DELREF', 'ACKED'), ids)
    .map(([k, g, policy, i]) => ['XACKDEL', k, g, policy, 'IDS', String(i.length), ...i]),
  fc
    .tuple(key, fc.constantFrom('KEEPREF', 'DELREF', 'ACKED'), ids)
    .map(([k, policy, i]) => ['XDELEX', k, policy, 'IDS', String(i.length), ...i]),
  fc.tuple(key, fc.integer({ min: 1, max: 4 })).map(([k, msTtl]) => ['PEXPIRE', k, String(msTtl)]),
);

const TIME_FLOOR_MS = 1e12;

function zeroTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(zeroTimes);
  return typeof value === 'number' && value > TIME_FLOOR_MS ? 'time' : value;
}

/** Replaces the values that follow the named fields of a flat field/value reply. */
function maskFields(reply: unknown, names: ReadonlySet<string>): unknown {
  if (!Array.isArray(reply)) return reply;
  const out: unknown[] = [];
  for (let i = 0; i < reply.length; i++) {
    const item: unknown = reply[i];
    const previous: unknown = reply[i - 1];
    if (i % 2 === 1 && typeof previous === 'string' && names.has(previous)) out.push('masked');
    else out.push(Array.isArray(item) ? maskFields(item, names) : item);
  }
  return out;
}

const MASKED = new Set(['radix-tree-keys', 'radix-tree-nodes', 'seen-time', 'idle']);

/**
 * Makes replies comparable with redis-server's: internal tree sizes, absolute times and idle
 * times differ by construction (our clock is the test's, Redis's its own).
 */
export function normalizeStreamReply(argv: readonly string[], reply: unknown): unknown {
  const command = (argv[0] ?? '').toUpperCase();
  if (command === 'XINFO') return zeroTimes(maskFields(reply, MASKED));
  if (command === 'XPENDING' && argv.length > 3 && Array.isArray(reply)) {
    return reply.map((row: unknown) => (Array.isArray(row) ? [row[0], row[1], 'idle', row[3]] : row));
  }
  return reply;
}
