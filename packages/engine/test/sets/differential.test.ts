import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { firstMismatch } from '../../../../test/support/differential.js';
import { fuzzRuns } from '../../../../test/support/fuzz.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';
import { normalizeSetReply, setCommand } from './commands.js';

const LONG_MIN = '-9223372036854775808';
const LONG_MAX = '9223372036854775807';

/** Setup, then commands that must fail (or answer an edge case) exactly as Redis 7.0 does. */
const targetedCases: string[][] = [
  ['SADD', 's', 'a', 'b', 'c', '1', '2'],
  ['SADD', 't', 'b', 'c', 'd'],
  ['SET', 'str', 'x'],
  // Arity.
  ...[
    ['SADD', 's'],
    ['SREM', 's'],
    ['SMEMBERS'],
    ['SISMEMBER', 's'],
    ['SMISMEMBER', 's'],
    ['SCARD'],
    ['SPOP'],
    ['SRANDMEMBER'],
    ['SMOVE', 's', 't'],
    ['SINTER'],
    ['SUNION'],
    ['SDIFF'],
    ['SINTERSTORE', 'd'],
    ['SUNIONSTORE', 'd'],
    ['SDIFFSTORE', 'd'],
    ['SINTERCARD', '1'],
    ['SSCAN', 's'],
  ],
  // Wrong types, in any position.
  ['SADD', 'str', 'a'],
  ['SREM', 'str', 'a'],
  ['SMEMBERS', 'str'],
  ['SISMEMBER', 'str', 'a'],
  ['SMISMEMBER', 'str', 'a'],
  ['SCARD', 'str'],
  ['SPOP', 'str'],
  ['SPOP', 'str', '1'],
  ['SRANDMEMBER', 'str'],
  ['SRANDMEMBER', 'str', '2'],
  ['SINTER', 's', 'str'],
  ['SINTER', 'nosuch', 'str'],
  ['SUNION', 'str', 'nosuch'],
  ['SDIFF', 'nosuch', 'str'],
  ['SDIFF', 's', 'str'],
  ['SINTERSTORE', 'd', 'nosuch', 'str'],
  ['SUNIONSTORE', 'd', 's', 'str'],
  ['SDIFFSTORE', 'd', 'str'],
  ['SINTERCARD', '1', 'str'],
  ['SINTERCARD', '2', 'nosuch', 'str'],
  ['SSCAN', 'str', '0'],
  ['SMOVE', 'nosuch', 'str', 'a'],
  ['SMOVE', 's', 'str', 'a'],
  ['SMOVE', 'str', 's', 'a'],
  ['SMOVE', 's', 'str', 'zzz'],
  // Counts.
  ['SPOP', 's', '-1'],
  ['SPOP', 's', 'x'],
  ['SPOP', 's', '0'],
  ['SPOP', 's', '1', '2'],
  ['SPOP', 'nosuch'],
  ['SPOP', 'nosuch', '1'],
  ['SPOP', 'nosuch', '0'],
  ['SPOP', 'nosuch', '-1'],
  ['SRANDMEMBER', 's', LONG_MIN],
  ['SRANDMEMBER', 's', 'x'],
  ['SRANDMEMBER', 's', '1', '2'],
  ['SRANDMEMBER', 'nosuch', '-5'],
  ['SRANDMEMBER', 'nosuch'],
  ['SRANDMEMBER', 's', '0'],
  ['SRANDMEMBER', 's', LONG_MAX],
  ['SRANDMEMBER', 'nosuch', LONG_MIN],
  // SINTERCARD parsing.
  ['SINTERCARD', '0', 's'],
  ['SINTERCARD', '-1', 's'],
  ['SINTERCARD', 'x', 's'],
  ['SINTERCARD', '3', 's', 't'],
  ['SINTERCARD', LONG_MAX, 's'],
  ['SINTERCARD', '1', 's', 'LIMIT', '-1'],
  ['SINTERCARD', '1', 's', 'LIMIT', 'x'],
  ['SINTERCARD', '1', 's', 'LIMIT'],
  ['SINTERCARD', '1', 's', 'FOO'],
  ['SINTERCARD', '1', 's', 't'],
  ['SINTERCARD', '2', 's', 't', 'limit', '1'],
  ['SINTERCARD', '2', 's', 't', 'LIMIT', '0', 'LIMIT', '5'],
  ['SINTERCARD', '2', 's', 'nosuch'],
  // SSCAN parsing: options are only looked at when the key exists.
  ['SSCAN', 's', 'x'],
  ['SSCAN', 'nosuch', 'x'],
  ['SSCAN', 's', '0', 'COUNT', '0'],
  ['SSCAN', 's', '0', 'COUNT', 'x'],
  ['SSCAN', 's', '0', 'COUNT'],
  ['SSCAN', 's', '0', 'NOVALUES'],
  ['SSCAN', 's', '0', 'TYPE', 'set'],
  ['SSCAN', 'nosuch', '0', 'NOVALUES'],
  ['SSCAN', 'nosuch', '0', 'COUNT', '0'],
  ['SSCAN', 's', '18446744073709551616'],
  ['SSCAN', 's', '-18446744073709551616'],
  ['SSCAN', 's', '-0', 'COUNT', '1000'],
  ['SSCAN', 's', ''],
  ['SSCAN', 's', ' 1'],
  ['SSCAN', 's', '1 '],
  ['SSCAN', 's', '+0', 'COUNT', '1000'],
  ['SSCAN', 's', '-'],
  ['SSCAN', 's', '0', 'MATCH', '[a-b]', 'COUNT', '1000'],
  ['SSCAN', 's', '00', 'COUNT', '1000'],
  // Stores over other types and onto themselves.
  ['SINTERSTORE', 'str', 's', 't'],
  ['SMEMBERS', 'str'],
  ['SUNIONSTORE', 's', 's', 't'],
  ['SMEMBERS', 's'],
  ['SDIFFSTORE', 't', 't', 's'],
  ['SCARD', 't'],
  ['SMOVE', 's', 's', 'a'],
  ['SMOVE', 's', 's', 'zzz'],
];

function normalizeAll(argv: readonly string[], reply: unknown): unknown {
  return normalizeSetReply(argv, reply);
}

describe.runIf(oracleWanted())('sets: differential against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('answers targeted edge and error cases exactly as Redis', async () => {
    expect(await firstMismatch(oracle, targetedCases, normalizeAll)).toBeUndefined();
  });

  it('answers random command sequences as Redis does, up to member order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(setCommand, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        expect(await firstMismatch(oracle, commands, normalizeAll)).toBeUndefined();
      }),
      fuzzRuns(300),
    );
  });

  it('walks a large set with SSCAN to the same members as Redis', async () => {
    const members = Array.from({ length: 700 }, (_, i) => (i % 3 === 0 ? String(i) : `member:${i}`));
    const engine = new Engine({ role: 'primary' });
    await oracle.client.send(['FLUSHALL']);
    engine.execute(['SADD', 'big', ...members], 0);
    await oracle.client.send(['SADD', 'big', ...members]);
    const walk = async (send: (argv: string[]) => Promise<unknown>, pattern: string): Promise<string[]> => {
      const seen = new Set<string>();
      let cursor = '0';
      for (let calls = 0; calls < 10_000; calls++) {
        const [next, found] = (await send(['SSCAN', 'big', cursor, 'MATCH', pattern, 'COUNT', '25'])) as [
          string,
          string[],
        ];
        for (const member of found) seen.add(member);
        cursor = next;
        if (cursor === '0') break;
      }
      return [...seen].sort();
    };
    const ours = (argv: string[]) => Promise.resolve(engine.execute(argv, 0).reply);
    const redis = (argv: string[]) => oracle.client.send(argv);
    for (const pattern of ['*', 'member:1*', '*5']) {
      const expected = await walk(redis, pattern);
      expect(expected.length).toBeGreaterThan(0);
      expect(await walk(ours, pattern)).toEqual(expected);
    }
  });

  it('computes algebra over large sets as Redis does', async () => {
    const a = Array.from({ length: 400 }, (_, i) => String(i * 2));
    const b = Array.from({ length: 400 }, (_, i) => `x${i * 3}`).concat(
      Array.from({ length: 300 }, (_, i) => String(i * 3)),
    );
    const commands: string[][] = [
      ['SADD', 'a', ...a],
      ['SADD', 'b', ...b],
      ['SINTER', 'a', 'b'],
      ['SUNION', 'a', 'b'],
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'b', 'a'],
      ['SINTERCARD', '2', 'a', 'b'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '17'],
      ['SINTERSTORE', 'c', 'a', 'b'],
      ['SPOP', 'c', '1000'],
      ['SCARD', 'c'],
      ['SUNIONSTORE', 'c', 'a', 'b'],
      ['SCARD', 'c'],
    ];
    expect(await firstMismatch(oracle, commands, normalizeAll)).toBeUndefined();
  });
});
