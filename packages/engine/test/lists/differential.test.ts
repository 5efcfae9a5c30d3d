import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstMismatch } from '../../../../test/support/differential.js';
import { fuzzRuns } from '../../../../test/support/fuzz.js';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';
import { listCommand } from './commands.js';

const LONG_MIN = '-9223372036854775808';
const LONG_MAX = '9223372036854775807';

/** Setup, then commands that must fail (or answer an edge case) exactly as Redis 7.0 does. */
const targetedCases: string[][] = [
  ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a'],
  ['SET', 'str', 'x'],
  // Arity (the blocking forms too: a wrong arity is answered before anything blocks).
  ...[
    ['LPUSH', 'l'],
    ['RPUSH', 'l'],
    ['LPUSHX', 'l'],
    ['RPUSHX', 'l'],
    ['LPOP'],
    ['RPOP'],
    ['LPOP', 'l', '1', '2'],
    ['RPOP', 'l', '1', '2'],
    ['LRANGE', 'l', '0'],
    ['LINDEX', 'l'],
    ['LSET', 'l', '0'],
    ['LINSERT', 'l', 'BEFORE', 'a'],
    ['LLEN'],
    ['LREM', 'l', '0'],
    ['LTRIM', 'l', '0'],
    ['LPOS', 'l'],
    ['LMOVE', 'l', 'm', 'LEFT'],
    ['RPOPLPUSH', 'l'],
    ['LMPOP', '1', 'l'],
    ['BLPOP', 'l'],
    ['BRPOP', 'l'],
    ['BRPOPLPUSH', 'l', 'm'],
    ['BLMOVE', 'l', 'm', 'LEFT', 'LEFT'],
    ['BLMPOP', '0', '1', 'l'],
  ],
  // Counts and indexes.
  ['LPOP', 'l', '-1'],
  ['LPOP', 'l', 'x'],
  ['LPOP', 'l', '0'],
  ['LPOP', 'nosuch', '0'],
  ['RPOP', 'nosuch', '2'],
  ['LPOP', 'str', '-1'],
  ['LPOP', 'str', '0'],
  ['LPOP', 'l', LONG_MAX.slice(0, -1)],
  ['RPUSH', 'l', 'a', 'b', 'c', 'a'],
  ['LRANGE', 'l', 'x', '1'],
  ['LRANGE', 'nosuch', 'x', '1'],
  ['LRANGE', 'l', LONG_MIN, LONG_MAX],
  ['LRANGE', 'l', '9223372036854775808', '1'],
  ['LRANGE', 'l', '-0', '1'],
  ['LRANGE', 'l', '+1', '2'],
  ['LRANGE', 'l', ' 1', '2'],
  ['LINDEX', 'l', 'x'],
  ['LINDEX', 'nosuch', 'x'],
  ['LINDEX', 'l', LONG_MIN],
  ['LINDEX', 'str', '0'],
  ['LSET', 'nosuch', '0', 'v'],
  ['LSET', 'nosuch', 'x', 'v'],
  ['LSET', 'l', 'x', 'v'],
  ['LSET', 'l', '99', 'v'],
  ['LSET', 'l', '-99', 'v'],
  ['LSET', 'str', '0', 'v'],
  ['LSET', 'l', '-1', 'last'],
  ['LINSERT', 'l', 'middle', 'a', 'v'],
  ['LINSERT', 'nosuch', 'middle', 'a', 'v'],
  ['LINSERT', 'str', 'before', 'a', 'v'],
  ['LREM', 'l', 'x', 'a'],
  ['LREM', 'nosuch', 'x', 'a'],
  ['LREM', 'str', '0', 'a'],
  ['LREM', 'l', LONG_MIN, 'a'],
  ['LTRIM', 'l', 'x', '1'],
  ['LTRIM', 'nosuch', 'x', '1'],
  ['LTRIM', 'str', '0', '1'],
  ['LTRIM', 'l', LONG_MIN, LONG_MAX],
  // LPOS options.
  ['RPUSH', 'p', 'a', 'b', 'a', 'a', 'c', 'a'],
  ['LPOS', 'p', 'a', 'RANK', '0'],
  ['LPOS', 'nosuch', 'a', 'RANK', '0'],
  ['LPOS', 'p', 'a', 'RANK', 'x'],
  ['LPOS', 'p', 'a', 'COUNT', '-1'],
  ['LPOS', 'p', 'a', 'COUNT', 'x'],
  ['LPOS', 'p', 'a', 'MAXLEN', '-1'],
  ['LPOS', 'p', 'a', 'MAXLEN', 'x'],
  ['LPOS', 'p', 'a', 'COUNT'],
  ['LPOS', 'p', 'a', 'FOO', '1'],
  ['LPOS', 'p', 'a', 'RANK'],
  ['LPOS', 'p', 'a', 'RANK', LONG_MIN],
  ['LPOS', 'p', 'a', 'RANK', LONG_MIN, 'COUNT', '2'],
  ['LPOS', 'p', 'a', 'RANK', '-9223372036854775807'],
  ['LPOS', 'p', 'a', 'RANK', LONG_MAX, 'COUNT', '0'],
  ['LPOS', 'p', 'a', 'RANK', '9223372036854775808'],
  ['LPOS', 'p', 'a', 'RANK', '-2', 'COUNT', '2', 'MAXLEN', '4'],
  ['LPOS', 'p', 'a', 'rank', '2', 'count', '0', 'maxlen', '0'],
  ['LPOS', 'nosuch', 'a', 'COUNT', '0'],
  ['LPOS', 'nosuch', 'a'],
  ['LPOS', 'str', 'a'],
  ['LPOS', 'str', 'a', 'RANK', '0'],
  // Moves.
  ['LMOVE', 'l', 'm', 'UP', 'LEFT'],
  ['LMOVE', 'nosuch', 'm', 'UP', 'LEFT'],
  ['LMOVE', 'l', 'm', 'LEFT', 'DOWN'],
  ['LMOVE', 'nosuch', 'str', 'LEFT', 'LEFT'],
  ['LMOVE', 'l', 'str', 'LEFT', 'LEFT'],
  ['LMOVE', 'str', 'l', 'LEFT', 'LEFT'],
  ['RPOPLPUSH', 'l', 'str'],
  ['RPOPLPUSH', 'str', 'l'],
  ['RPOPLPUSH', 'nosuch', 'str'],
  ['LMOVE', 'l', 'l', 'left', 'right'],
  // LMPOP parsing.
  ['LMPOP', '0', 'l', 'LEFT'],
  ['LMPOP', '-1', 'l', 'LEFT'],
  ['LMPOP', 'x', 'l', 'LEFT'],
  ['LMPOP', '2', 'l', 'LEFT'],
  ['LMPOP', LONG_MAX, 'l', 'LEFT'],
  ['LMPOP', '1', 'l', 'MID'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT', 'x'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '-1'],
  ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
  ['LMPOP', '1', 'l', 'LEFT', 'FOO'],
  ['LMPOP', '2', 'nosuch', 'str', 'LEFT'],
  ['LMPOP', '2', 'str', 'l', 'LEFT'],
  ['LMPOP', '2', 'nosuch', 'l', 'right', 'count', '100'],
  ['LMPOP', '1', 'nosuch', 'LEFT'],
  // Pushes onto other types.
  ['LPUSH', 'str', 'a'],
  ['RPUSHX', 'str', 'a'],
  ['LPUSHX', 'nosuch', 'a'],
  ['LLEN', 'str'],
  ['LLEN', 'nosuch'],
];

describe.runIf(oracleWanted())('lists: differential against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('answers targeted edge and error cases exactly as Redis', async () => {
    expect(await firstMismatch(oracle, targetedCases)).toBeUndefined();
  });

  it('answers random command sequences exactly as Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(listCommand, { minLength: 1, maxLength: 60, size: 'max' }), async (commands) => {
        expect(await firstMismatch(oracle, commands)).toBeUndefined();
      }),
      fuzzRuns(300),
    );
  });

  it('handles long lists (deque growth, middle inserts, trims) exactly as Redis', async () => {
    const values = Array.from({ length: 300 }, (_, i) => String(i % 17));
    const commands: string[][] = [
      ['RPUSH', 'big', ...values],
      ['LPUSH', 'big', ...values],
      ['LINSERT', 'big', 'AFTER', '16', 'mid'],
      ['LINSERT', 'big', 'BEFORE', '5', 'early'],
      ['LPOS', 'big', '3', 'COUNT', '0'],
      ['LPOS', 'big', '3', 'RANK', '-5', 'COUNT', '7', 'MAXLEN', '400'],
      ['LREM', 'big', '-7', '4'],
      ['LREM', 'big', '3', '9'],
      ['LTRIM', 'big', '50', '-40'],
      ['LPOP', 'big', '100'],
      ['RPOP', 'big', '100'],
      ['LRANGE', 'big', '0', '-1'],
      ['LMPOP', '1', 'big', 'LEFT', 'COUNT', '1000'],
      ['LLEN', 'big'],
    ];
    expect(await firstMismatch(oracle, commands)).toBeUndefined();
  });
});
