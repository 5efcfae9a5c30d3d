import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { runWithReplica } from '../../../../test/support/replay.js';
import { stringCommandForReplay, wrongTypeSetup } from './commands.js';

const START_MS = 1_700_000_000_000;

function effectsOf(commands: string[][], nowMs = START_MS): string[][][] {
  const engine = new Engine({ role: 'primary' });
  return commands.map((argv) => engine.execute(argv, nowMs).effects);
}

describe('strings: effects replay', () => {
  it('a replica applying the effects ends with the same keyspace as the primary', () => {
    fc.assert(
      fc.property(
        fc.array(stringCommandForReplay(START_MS), { maxLength: 80, size: 'max' }),
        fc.integer(),
        (commands, seed) => {
          const { primary, replica } = runWithReplica([...wrongTypeSetup(), ...commands], { seed, startMs: START_MS });
          expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('relative TTLs, GETSET, GETDEL and INCRBYFLOAT reach the replica in deterministic form', () => {
    const effects = effectsOf([
      ['SETEX', 'a', '10', 'v'],
      ['PSETEX', 'b', '500', 'v'],
      ['SET', 'c', 'v', 'EX', '2'],
      ['GETSET', 'a', 'w'],
      ['GETDEL', 'a'],
      ['GETDEL', 'a'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '0.2'],
      ['GETEX', 'b', 'EX', '7'],
      ['GETEX', 'b', 'PERSIST'],
      ['GETEX', 'b', 'PERSIST'],
      ['GETEX', 'c', 'EXAT', '1'],
      ['MSETNX', 'm', '1', 'n', '2'],
      ['MSETNX', 'm', '1'],
      ['SETNX', 'm', 'x'],
      ['SETNX', 'o', 'x'],
    ]);
    expect(effects).toEqual([
      [['SET', 'a', 'v', 'PXAT', String(START_MS + 10_000)]],
      [['SET', 'b', 'v', 'PXAT', String(START_MS + 500)]],
      [['SET', 'c', 'v', 'PXAT', String(START_MS + 2000)]],
      [['SET', 'a', 'w']],
      [['DEL', 'a']],
      [],
      [['SET', 'f', '0.1', 'KEEPTTL']],
      [['SET', 'f', '0.3', 'KEEPTTL']],
      [['PEXPIREAT', 'b', String(START_MS + 7000)]],
      [['PERSIST', 'b']],
      [],
      [['DEL', 'c']],
      [['MSET', 'm', '1', 'n', '2']],
      [],
      [],
      [['SET', 'o', 'x']],
    ]);
  });

  it('propagates bit writes only when something changed', () => {
    const effects = effectsOf([
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '3', '0'],
      ['SETBIT', 'b', '20', '0'],
      ['BITFIELD', 'b', 'GET', 'u8', '0'],
      ['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['BITOP', 'NOT', 'd', 'b'],
      ['BITOP', 'AND', 'd', 'nokey'],
      ['SETRANGE', 'b', '1', ''],
    ]);
    expect(effects).toEqual([
      [['SETBIT', 'b', '7', '1']],
      [],
      [],
      [['SETBIT', 'b', '20', '0']],
      [],
      [['BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9']],
      [],
      [['BITOP', 'NOT', 'd', 'b']],
      [['DEL', 'd']],
      [],
    ]);
  });

  it('keys expired on the primary are deleted there first, and the replica follows', () => {
    const { primary, replica, replies } = runWithReplica(
      [
        ['SET', 'k', '5', 'PX', '2'],
        ['APPEND', 'k', 'x'],
        ['GET', 'k'],
        ['INCR', 'k'],
        ['APPEND', 'k', 'y'],
        ['SET', 'n', '1', 'PX', '100'],
        ['INCRBYFLOAT', 'n', '1.5'],
        ['GET', 'n'],
      ],
      { startMs: START_MS },
    );
    expect(replies.slice(1, 5)).toEqual([2, '5x', 1, 2]);
    expect(primary.db.data.get('k')).toBe('1y');
    expect(replies[7]).toBe('2.5');
    expect(primary.db.expiresAtMs.get('n')).toBe(START_MS + 5 + 100);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });
});
