import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMismatch } from '../../../../test/support/differential.js';
import { fuzzRuns } from '../../../../test/support/fuzz.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';
import { keyCommand, normalizeKeyReply } from './commands.js';

const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';

/** Setup, then commands that must fail (or answer an edge case) exactly as Redis 7.0 does. */
const targetedCases: string[][] = [
  ['SET', 's', 'v'],
  ['SADD', 'set', 'a'],
  // Arity.
  ...[
    ['DEL'],
    ['EXISTS'],
    ['TYPE'],
    ['TYPE', 'a', 'b'],
    ['TOUCH'],
    ['EXPIRE', 's'],
    ['PEXPIRE', 's'],
    ['EXPIREAT', 's'],
    ['PEXPIREAT', 's'],
    ['TTL'],
    ['PTTL', 's', 'x'],
    ['EXPIRETIME'],
    ['PEXPIRETIME', 's', 'x'],
    ['PERSIST'],
    ['KEYS'],
    ['KEYS', 'a', 'b'],
    ['SCAN'],
    ['RANDOMKEY', 'x'],
    ['RENAME', 's'],
    ['RENAMENX', 's', 'a', 'b'],
    ['COPY', 's'],
    ['OBJECT'],
    ['OBJECT', 'ENCODING'],
    ['OBJECT', 'ENCODING', 's', 'x'],
    ['OBJECT', 'HELP', 'x'],
  ],
  // EXPIRE options and numbers.
  ['EXPIRE', 's', '100', 'foo'],
  ['EXPIRE', 's', '100', 'nx', 'xx'],
  ['EXPIRE', 's', '100', 'NX', 'GT'],
  ['EXPIRE', 's', '100', 'NX', 'LT'],
  ['EXPIRE', 's', '100', 'GT', 'LT'],
  ['EXPIRE', 's', '100', 'XX', 'NX'],
  ['EXPIRE', 's', 'abc'],
  ['EXPIRE', 's', '1.5'],
  ['EXPIRE', 's', ''],
  ['EXPIRE', 's', LONG_MAX],
  ['EXPIRE', 's', LONG_MIN],
  ['EXPIRE', 's', '9223372036854775'],
  ['PEXPIRE', 's', LONG_MAX],
  ['PEXPIRE', 's', '9223372036854775808'],
  ['EXPIREAT', 's', '9223372036854776'],
  ['EXPIREAT', 's', '-9223372036854776'],
  ['PEXPIREAT', 's', LONG_MAX],
  ['PEXPIRETIME', 's'],
  ['PEXPIREAT', 's', LONG_MIN],
  ['EXISTS', 's'],
  ['SET', 's', 'v'],
  ['EXPIRE', 'nosuch', '100'],
  ['EXPIRE', 'nosuch', '100', 'bad'],
  ['EXPIRE', 's', '100', 'XX'],
  ['EXPIRE', 's', '100', 'GT'],
  ['EXPIREAT', 's', '4102444800', 'LT'],
  ['EXPIRETIME', 's'],
  ['PEXPIRETIME', 's'],
  ['EXPIREAT', 's', '4102444801', 'GT'],
  ['EXPIREAT', 's', '4102444801', 'NX'],
  ['EXPIREAT', 's', '4102444700', 'GT'],
  ['EXPIREAT', 's', '4102444700', 'xx', 'lt'],
  ['EXPIRETIME', 's'],
  ['PERSIST', 's'],
  ['PERSIST', 's'],
  ['TTL', 's'],
  ['TTL', 'nosuch'],
  ['PTTL', 'nosuch'],
  ['EXPIRETIME', 'nosuch'],
  ['PEXPIREAT', 's', '1'],
  ['EXISTS', 's'],
  ['SET', 's', 'v'],
  ['EXPIRE', 's', '0'],
  ['EXISTS', 's', 's'],
  ['SET', 's', 'v'],
  // RENAME, RENAMENX.
  ['RENAME', 'nosuch', 'x'],
  ['RENAMENX', 'nosuch', 'x'],
  ['RENAME', 's', 's'],
  ['RENAMENX', 's', 's'],
  ['RENAME', 'nosuch', 'nosuch'],
  ['EXPIREAT', 's', '4102444800'],
  ['RENAME', 's', 't'],
  ['EXPIRETIME', 't'],
  ['EXISTS', 's', 't'],
  ['RENAMENX', 't', 'set'],
  ['RENAME', 't', 'set'],
  ['TYPE', 'set'],
  ['EXPIRETIME', 'set'],
  // COPY.
  ['COPY', 'set', 'c', 'DB'],
  ['COPY', 'set', 'c', 'DB', 'x'],
  ['COPY', 'set', 'c', 'DB', '99999999999'],
  ['COPY', 'set', 'c', 'DB', '16'],
  ['COPY', 'set', 'c', 'DB', '-1'],
  ['COPY', 'set', 'c', 'foo'],
  ['COPY', 'set', 'c', 'REPLACE', 'foo'],
  ['COPY', 'nosuch', 'c'],
  ['COPY', 'set', 'c'],
  ['EXPIRETIME', 'c'],
  ['COPY', 'set', 'c'],
  ['SADD', 'set2', 'z'],
  ['COPY', 'set2', 'c', 'replace'],
  ['TYPE', 'c'],
  ['EXPIRETIME', 'c'],
  // SCAN parsing.
  ['SCAN', 'x'],
  ['SCAN', '0', 'COUNT', '0'],
  ['SCAN', '0', 'COUNT', 'x'],
  ['SCAN', '0', 'COUNT'],
  ['SCAN', '0', 'TYPE'],
  ['SCAN', '0', 'MATCH'],
  ['SCAN', '0', 'NOVALUES'],
  ['SCAN', '0', 'FOO', 'bar'],
  ['SCAN', '18446744073709551616'],
  ['SCAN', '0', 'TYPE', 'SET', 'COUNT', '100'],
  ['SCAN', '0', 'type', 'nosuch', 'COUNT', '100'],
  // OBJECT.
  ['OBJECT', 'foo'],
  ['OBJECT', 'foo', 'bar'],
  ['OBJECT', 'ENCODING', 'nosuch'],
  ['OBJECT', 'FREQ', 'nosuch'],
  ['OBJECT', 'FREQ', 'c'],
  ['OBJECT', 'IDLETIME', 'nosuch'],
  ['OBJECT', 'REFCOUNT', 'nosuch'],
  ['OBJECT', 'HELP'],
  ['SET', 'n', '5'],
  ['SET', 'big', '10000'],
  ['SET', 'neg', '-3'],
  ['SET', 'raw', 'y'.repeat(45)],
  ['SET', 'emb', 'y'.repeat(44)],
  ['SET', 'long', '123456789012345678901'],
  ...['n', 'big', 'neg', 'raw', 'emb', 'long'].flatMap((k) => [
    ['OBJECT', 'ENCODING', k],
    ['OBJECT', 'REFCOUNT', k],
  ]),
  ['SADD', 'ints', '1', '2', '-3'],
  ['OBJECT', 'ENCODING', 'ints'],
  ['SADD', 'ints', 'x'],
  ['OBJECT', 'ENCODING', 'ints'],
  ['HSET', 'h', 'f', 'v'],
  ['OBJECT', 'ENCODING', 'h'],
  ['HSET', 'h', 'g', 'v'.repeat(65)],
  ['OBJECT', 'ENCODING', 'h'],
  ['ZADD', 'z', '1', 'a'],
  ['OBJECT', 'ENCODING', 'z'],
  ['ZADD', 'z', '2', 'm'.repeat(65)],
  ['OBJECT', 'ENCODING', 'z'],
  ['RPUSH', 'l', 'a'],
  ['OBJECT', 'ENCODING', 'l'],
  ['UNLINK', 'l', 'nosuch', 'z'],
  ['DEL', 'h', 'h'],
  ['EXISTS', 'h', 'l', 'z', 'n', 'n'],
  ['TOUCH', 'n', 'nosuch', 'n'],
  ['TYPE', 'nosuch'],
  ['TYPE', 'ints'],
  ['DBSIZE'],
  ['KEYS', '*'],
  ['KEYS', '[a-c]*'],
  ['KEYS', 'n*'],
];

describe.runIf(oracleWanted())('keys: differential against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('answers targeted edge and error cases exactly as Redis', async () => {
    expect(await firstMismatch(oracle, targetedCases, normalizeKeyReply)).toBeUndefined();
  });

  it('answers random keyspace command sequences as Redis does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(keyCommand, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        expect(await firstMismatch(oracle, commands, normalizeKeyReply)).toBeUndefined();
      }),
      fuzzRuns(300),
    );
  });

  it('walks a large keyspace with SCAN to the same keys as Redis', async () => {
    const setup: string[][] = [];
    for (let i = 0; i < 600; i++) setup.push(i % 4 === 0 ? ['SADD', `set:${i}`, 'm'] : ['SET', `key:${i}`, 'v']);
    const commands: string[][] = [...setup, ['DBSIZE'], ['KEYS', 'set:1*']];
    expect(await firstMismatch(oracle, commands, normalizeKeyReply)).toBeUndefined();
    const { Engine } = await import('@meridian/engine');
    const engine = new Engine({ role: 'primary' });
    for (const argv of setup) engine.execute(argv, Date.now());
    const walk = async (send: (argv: string[]) => Promise<unknown>, options: string[]): Promise<string[]> => {
      const seen: string[] = [];
      let cursor = '0';
      for (let calls = 0; calls < 10_000; calls++) {
        const [next, found] = (await send(['SCAN', cursor, 'COUNT', '25', ...options])) as [string, string[]];
        seen.push(...found);
        cursor = next;
        if (cursor === '0') break;
      }
      return [...new Set(seen)].sort();
    };
    for (const options of [[], ['MATCH', 'key:1*'], ['TYPE', 'set']]) {
      const ours = await walk(async (argv) => engine.execute(argv, Date.now()).reply, options);
      const redis = await walk((argv) => oracle.client.send(argv), options);
      expect(ours).toEqual(redis);
      expect(ours.length).toBeGreaterThan(0);
    }
  });
});
