/**
 * Bad input, generated: every command in the table with wrong arity and with random arguments against
 * keys of every type, and random request bodies and paths over REST. Nothing may crash or answer 500, and
 * a rejected command must leave the keyspace exactly as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandTable, digestKeyspace, Engine, ReplyError } from '@meridian/engine';
import { MeridianNode } from '@meridian/node';

const TOKEN = 'fault-token';
const KEYS = ['k:string', 'k:list', 'k:hash', 'k:set', 'k:zset', 'k:stream', 'k:missing'];
const ARGS = [
  ...KEYS,
  '0',
  '1',
  '-1',
  '2',
  '10',
  '1.5',
  '-0.5',
  'inf',
  '-inf',
  'nan',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '1e400',
  '',
  'x',
  'field',
  'member',
  'NX',
  'XX',
  'GT',
  'LT',
  'CH',
  'INCR',
  'EX',
  'PX',
  'EXAT',
  'KEEPTTL',
  'GET',
  'WITHSCORES',
  'WITHSCORE',
  'LIMIT',
  'BYSCORE',
  'BYLEX',
  'REV',
  'COUNT',
  'MATCH',
  '*',
  '$',
  '>',
  '+',
  '-',
  '(1',
  '[a',
  'STREAMS',
  'GROUP',
  'FIELDS',
  'MAXLEN',
  'MINID',
  '~',
  '=',
  'LEFT',
  'RIGHT',
  'BEFORE',
  'AFTER',
  'TYPE',
  'string',
  'AGGREGATE',
  'WEIGHTS',
  'SUM',
  'OVERFLOW',
  'FAIL',
  'i64',
  'u8',
  '#1',
  'CREATE',
  'SETID',
  'ENTRIESREAD',
  'NOACK',
  'IDLE',
  'JUSTID',
  '0-1',
  '1-0',
  '18446744073709551615-0',
  'AND',
  'NOT',
  'BIT',
  'BYTE',
  'ASYNC',
  'REPLACE',
  'DB',
  'PERSIST',
  'FNX',
  'FXX',
  'NOVALUES',
  '\u00ff\u0000\n',
];

function seeded(): Engine {
  const engine = new Engine({ role: 'primary', random: () => 0.5 });
  const setup = [
    ['SET', 'k:string', '12'],
    ['RPUSH', 'k:list', 'a', 'b', 'c'],
    ['HSET', 'k:hash', 'field', '1', 'g', 'x'],
    ['SADD', 'k:set', 'member', 'a'],
    ['ZADD', 'k:zset', '1', 'member', '2', 'a'],
    ['XADD', 'k:stream', '1-0', 'f', 'v'],
    ['XGROUP', 'CREATE', 'k:stream', 'g', '0'],
  ];
  for (const argv of setup) expect(engine.execute(argv, 1_000).reply).not.toBeInstanceOf(ReplyError);
  return engine;
}

const names = [...commandTable.keys()].filter((name) => !commandTable.get(name)!.isBlocking);

describe('every command in the table', () => {
  it('answers wrong arity with Redis text and changes nothing', () => {
    const engine = seeded();
    const before = digestKeyspace(engine.db);
    let checked = 0;
    for (const name of names) {
      const { arity } = commandTable.get(name)!;
      const counts = arity > 0 ? [arity - 1, arity + 1] : [-arity - 1];
      for (const count of counts) {
        if (count < 1) continue;
        const argv = [name, ...Array.from({ length: count - 1 }, (_, i) => KEYS[i % KEYS.length]!)];
        const { reply } = engine.execute(argv, 2_000);
        expect(reply, argv.join(' ')).toEqual(new ReplyError(`ERR wrong number of arguments for '${name}' command`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(names.length);
    expect(digestKeyspace(engine.db)).toBe(before);
  });

  it('never throws on random arguments against keys of every type; errors leave the keyspace unchanged', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.constantFrom(...KEYS),
        fc.array(fc.constantFrom(...ARGS), { maxLength: 7 }),
        (name, key, rest) => {
          const engine = seeded();
          const before = digestKeyspace(engine.db);
          const argv = [name, key, ...rest];
          const { reply } = engine.execute(argv, 2_000);
          if (reply instanceof ReplyError) {
            expect(reply.message, argv.join(' ')).toMatch(/^[A-Z]+ /);
            expect(digestKeyspace(engine.db), argv.join(' ')).toBe(before);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('REST with malformed requests', () => {
  const node = new MeridianNode({ token: TOKEN, region: 'fault' });
  const auth = { authorization: `Bearer ${TOKEN}` };
  const digest = (): string => digestKeyspace(node.engine.db);

  async function send(method: string, url: string, body: Buffer): Promise<{ status: number; body: string }> {
    const answer = await node.handle({ method, url, headers: { ...auth, 'content-type': 'application/json' }, body });
    const text = typeof answer.body === 'string' ? answer.body : answer.body.toString('latin1');
    return { status: answer.status, body: text };
  }

  it('answers random bodies and paths with a JSON error or a result, never 500, losing nothing', async () => {
    await send('POST', '/', Buffer.from('["SET","kept","1"]'));
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.json().map((text) => Buffer.from(text)),
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify([value, value]))),
      fc
        .array(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), { maxLength: 5 })
        .map((args) => Buffer.from(JSON.stringify(['SET', ...args]))),
    );
    const paths = fc.constantFrom(
      '/',
      '/pipeline',
      '/multi-exec',
      '/set/a',
      '/get/%zz',
      '/%ff%fe',
      '/pipeline?x=1',
      '/set/a?EX=-1',
    );
    await fc.assert(
      fc.asyncProperty(paths, bodies, fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'), async (path, body, method) => {
        const before = digest();
        const answer = await send(method, path, body);
        expect(answer.status, `${method} ${path} ${body.toString('latin1')}`).not.toBe(500);
        const parsed = JSON.parse(answer.body) as Record<string, unknown> | unknown[];
        if (answer.status >= 400) {
          expect(typeof (parsed as Record<string, unknown>)['error']).toBe('string');
          expect(digest()).toBe(before);
        }
      }),
      { numRuns: 1500 },
    );
    expect((await send('POST', '/', Buffer.from('["GET","kept"]'))).body).toBe('{"result":"1"}');
  });

  it('refuses deeply nested JSON and huge numbers without crashing', async () => {
    const nested = await send('POST', '/', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    expect(nested.status).toBe(400);
    const huge = await send('POST', '/', Buffer.from('["INCRBY","n","1e999999"]'));
    expect(huge.status).toBe(400);
    expect(JSON.parse(huge.body)).toEqual({ error: 'ERR value is not an integer or out of range' });
    const pipeline = await send(
      'POST',
      '/pipeline',
      Buffer.from(JSON.stringify(Array.from({ length: 2000 }, () => ['PING']))),
    );
    expect([200, 400]).toContain(pipeline.status);
  });
});
