import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { firstMismatch } from '../../../../test/support/differential.js';
import { fuzzRuns } from '../../../../test/support/fuzz.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';
import { hashCommand, normalizeHashReply } from './commands.js';

const LONG_MIN = '-9223372036854775808';
const LONG_MAX = '9223372036854775807';

/** Setup, then commands that must fail (or answer an edge case) exactly as Redis 7.0 does. */
const targetedCases: string[][] = [
  ['HSET', 'h', 'a', '1', 'b', 'text', 'c', '2.5', 'big', LONG_MAX, 'neg', LONG_MIN],
  ['SET', 'str', 'x'],
  // Arity, including HSET/HMSET with an odd number of arguments.
  ...[
    ['HSET', 'h'],
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'a'],
    ['HMSET', 'h', 'a', '1', 'b'],
    ['HSETNX', 'h', 'a'],
    ['HSETNX', 'h', 'a', '1', '2'],
    ['HGET', 'h'],
    ['HMGET', 'h'],
    ['HGETALL'],
    ['HDEL', 'h'],
    ['HLEN'],
    ['HSTRLEN', 'h'],
    ['HEXISTS', 'h'],
    ['HKEYS'],
    ['HVALS'],
    ['HINCRBY', 'h', 'a'],
    ['HINCRBYFLOAT', 'h', 'a'],
    ['HRANDFIELD'],
    ['HSCAN', 'h'],
    ['HGET', 'h', 'a', 'b'],
    ['HLEN', 'h', 'x'],
  ],
  // Wrong types.
  ['HSET', 'str', 'a', '1'],
  ['HMSET', 'str', 'a', '1'],
  ['HSETNX', 'str', 'a', '1'],
  ['HGET', 'str', 'a'],
  ['HMGET', 'str', 'a'],
  ['HGETALL', 'str'],
  ['HDEL', 'str', 'a'],
  ['HLEN', 'str'],
  ['HSTRLEN', 'str', 'a'],
  ['HEXISTS', 'str', 'a'],
  ['HKEYS', 'str'],
  ['HVALS', 'str'],
  ['HINCRBY', 'str', 'a', '1'],
  ['HINCRBYFLOAT', 'str', 'a', '1'],
  ['HRANDFIELD', 'str'],
  ['HRANDFIELD', 'str', '2'],
  ['HSCAN', 'str', '0'],
  ['HINCRBY', 'str', 'a', 'x'],
  ['HRANDFIELD', 'str', 'x'],
  // HINCRBY.
  ['HINCRBY', 'h', 'a', 'x'],
  ['HINCRBY', 'h', 'a', '1.5'],
  ['HINCRBY', 'h', 'a', ' 1'],
  ['HINCRBY', 'h', 'b', '1'],
  ['HINCRBY', 'h', 'c', '1'],
  ['HINCRBY', 'h', 'big', '1'],
  ['HINCRBY', 'h', 'neg', '-1'],
  ['HINCRBY', 'h', 'big', LONG_MIN],
  ['HINCRBY', 'h', 'neg', LONG_MAX],
  ['HINCRBY', 'h', 'new', LONG_MIN],
  ['HINCRBY', 'h', 'a', '9223372036854775808'],
  ['HINCRBY', 'nosuch', 'a', '5'],
  ['HINCRBY', 'h', 'a', '-0'],
  ['HINCRBY', 'h', 'a', '+1'],
  // HINCRBYFLOAT.
  ['HINCRBYFLOAT', 'h', 'a', 'x'],
  ['HINCRBYFLOAT', 'h', 'a', 'nan'],
  ['HINCRBYFLOAT', 'h', 'a', 'inf'],
  ['HINCRBYFLOAT', 'h', 'a', '-inf'],
  ['HINCRBYFLOAT', 'h', 'b', '1'],
  ['HINCRBYFLOAT', 'h', 'c', '0.25'],
  ['HINCRBYFLOAT', 'h', 'c', '-2.75'],
  ['HINCRBYFLOAT', 'h', 'a', '1e3'],
  ['HINCRBYFLOAT', 'h', 'a', ' 1'],
  ['HINCRBYFLOAT', 'h', 'a', '1 '],
  ['HINCRBYFLOAT', 'h', 'a', ''],
  ['HINCRBYFLOAT', 'nosuch2', 'f', '-1.5'],
  ['HINCRBYFLOAT', 'h', 'big', '1'],
  ['HSET', 'h', 'e', '1e5'],
  ['HINCRBYFLOAT', 'h', 'e', '1'],
  ['HSET', 'h', 'i', 'inf'],
  ['HINCRBYFLOAT', 'h', 'i', '1'],
  ['HGETALL', 'h'],
  // HRANDFIELD counts.
  ['HRANDFIELD', 'h', LONG_MIN],
  ['HRANDFIELD', 'h', 'x'],
  ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
  ['HRANDFIELD', 'h', '1', 'FOO'],
  ['HRANDFIELD', 'h', LONG_MAX, 'WITHVALUES'],
  ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
  ['HRANDFIELD', 'h', '0'],
  ['HRANDFIELD', 'h', '0', 'withvalues'],
  ['HRANDFIELD', 'nosuch', '-5'],
  ['HRANDFIELD', 'nosuch'],
  ['HRANDFIELD', 'nosuch', '5', 'WITHVALUES'],
  ['HRANDFIELD', 'nosuch', 'x'],
  ['HRANDFIELD', 'h', '100'],
  ['HRANDFIELD', 'h', '100', 'WITHVALUES'],
  ['HRANDFIELD', 'h', '-7', 'WITHVALUES'],
  ['HRANDFIELD', 'nosuch', LONG_MAX, 'WITHVALUES'],
  // HSCAN parsing: options are only looked at when the key exists.
  ['HSCAN', 'h', 'x'],
  ['HSCAN', 'nosuch', 'x'],
  ['HSCAN', 'h', '0', 'COUNT', '0'],
  ['HSCAN', 'h', '0', 'COUNT', 'x'],
  ['HSCAN', 'h', '0', 'COUNT'],
  ['HSCAN', 'h', '0', 'MATCH'],
  ['HSCAN', 'h', '0', 'TYPE', 'hash'],
  ['HSCAN', 'nosuch', '0', 'COUNT', '0'],
  ['HSCAN', 'h', '18446744073709551616'],
  ['HSCAN', 'h', '', 'COUNT', '1000'],
  ['HSCAN', 'h', '0', 'MATCH', '[a-c]', 'COUNT', '1000'],
  ['HSCAN', 'h', '-0', 'COUNT', '1000'],
  // Deleting the last field deletes the key; HDEL with duplicates.
  ['HDEL', 'h', 'a', 'a', 'nosuch'],
  ['HDEL', 'h', 'b', 'c', 'big', 'neg', 'new', 'e', 'i'],
  ['HLEN', 'h'],
  ['HGETALL', 'h'],
  ['HSETNX', 'h', 'a', '1'],
  ['HSETNX', 'h', 'a', '2'],
  ['HGET', 'h', 'a'],
  ['HSET', 'h', 'a', '3', 'a', '4'],
  ['HGET', 'h', 'a'],
  ['HSTRLEN', 'h', 'a'],
  ['HMGET', 'nosuch', 'a', 'b'],
  ['HMSET', 'h', 'x', '1', 'y', '2'],
  ['HLEN', 'h'],
  ['HSET', 'h', '\u00ff\u0000', '\u0000\u00e9'],
  ['HGET', 'h', '\u00ff\u0000'],
  ['HSTRLEN', 'h', '\u00ff\u0000'],
];

describe.runIf(oracleWanted())('hashes: differential against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('answers targeted edge and error cases exactly as Redis', async () => {
    expect(await firstMismatch(oracle, targetedCases, normalizeHashReply)).toBeUndefined();
  });

  it('answers random command sequences as Redis does, up to field order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hashCommand, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        expect(await firstMismatch(oracle, commands, normalizeHashReply)).toBeUndefined();
      }),
      fuzzRuns(300),
    );
  });

  it("answers small (listpack) hashes in Redis's own field order, and HSCANs one in one call", async () => {
    const scanOne = fc
      .tuple(fc.constantFrom('h1', 'h2', 'h3'), fc.constantFrom('0', '1', '7'), fc.constantFrom('1', '2'))
      .map(([k, cursor, count]) => ['HSCAN', k, cursor, 'COUNT', count]);
    const command = fc.oneof({ weight: 8, arbitrary: hashCommand }, { weight: 2, arbitrary: scanOne });
    // Only HRANDFIELD's choice is random: every other reply must match byte for byte, in order.
    const normalize = (argv: readonly string[], reply: unknown): unknown =>
      argv[0] === 'HRANDFIELD' ? normalizeHashReply(argv, reply) : reply;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        expect(await firstMismatch(oracle, commands, normalize)).toBeUndefined();
      }),
      fuzzRuns(200),
    );
  });

  it('walks a large hash with HSCAN to the same fields and values as Redis', async () => {
    const pairs = Array.from({ length: 700 }, (_, i) => [i % 3 === 0 ? String(i) : `field:${i}`, `value:${i}`]).flat();
    const engine = new Engine({ role: 'primary' });
    await oracle.client.send(['FLUSHALL']);
    engine.execute(['HSET', 'big', ...pairs], 0);
    await oracle.client.send(['HSET', 'big', ...pairs]);
    const walk = async (send: (argv: string[]) => Promise<unknown>, pattern: string): Promise<string[]> => {
      const seen = new Set<string>();
      let cursor = '0';
      for (let calls = 0; calls < 10_000; calls++) {
        const [next, found] = (await send(['HSCAN', 'big', cursor, 'MATCH', pattern, 'COUNT', '25'])) as [
          string,
          string[],
        ];
        for (let i = 0; i < found.length; i += 2) seen.add(`${found[i] ?? ''}=${found[i + 1] ?? ''}`);
        cursor = next;
        if (cursor === '0') break;
      }
      return [...seen].sort();
    };
    const ours = (argv: string[]) => Promise.resolve(engine.execute(argv, 0).reply);
    const redis = (argv: string[]) => oracle.client.send(argv);
    for (const pattern of ['*', 'field:1*', '*5']) {
      const expected = await walk(redis, pattern);
      expect(expected.length).toBeGreaterThan(0);
      expect(await walk(ours, pattern)).toEqual(expected);
    }
  });

  it('answers large hashes (hashtable encoding on the oracle) as Redis does', async () => {
    const pairs = Array.from({ length: 300 }, (_, i) => [`f${i}`, String(i)]).flat();
    const commands: string[][] = [
      ['HSET', 'big', ...pairs],
      ['HLEN', 'big'],
      ['HGETALL', 'big'],
      ['HINCRBY', 'big', 'f7', '100'],
      ['HINCRBYFLOAT', 'big', 'f8', '0.5'],
      ['HDEL', 'big', ...pairs.filter((_, i) => i % 4 === 0)],
      ['HKEYS', 'big'],
      ['HVALS', 'big'],
      ['HRANDFIELD', 'big', '50', 'WITHVALUES'],
      ['HRANDFIELD', 'big', '-400'],
      ['HRANDFIELD', 'big', '200'],
    ];
    expect(await firstMismatch(oracle, commands, normalizeHashReply)).toBeUndefined();
  });
});
