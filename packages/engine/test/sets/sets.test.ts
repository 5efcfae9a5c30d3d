import { describe, expect, it } from 'vitest';
import { Engine, type Reply, ReplyError, findCommand } from '@meridian/engine';
import { seededRandom } from '../../../../test/support/replay.js';

function session(seed = 7): { run: (...argv: string[]) => Reply; engine: Engine } {
  const engine = new Engine({ role: 'primary', random: seededRandom(seed) });
  return { engine, run: (...argv) => engine.execute(argv, 1_000).reply };
}

function sorted(reply: Reply): string[] {
  expect(Array.isArray(reply)).toBe(true);
  return [...(reply as string[])].sort();
}

const WRONGTYPE = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('sets: documented examples', () => {
  it('SADD, SREM, SMEMBERS, SCARD, SISMEMBER, SMISMEMBER', () => {
    const { run, engine } = session();
    expect(run('SADD', 'myset', 'Hello')).toBe(1);
    expect(run('SADD', 'myset', 'World')).toBe(1);
    expect(run('SADD', 'myset', 'World')).toBe(0);
    expect(sorted(run('SMEMBERS', 'myset'))).toEqual(['Hello', 'World']);
    expect(run('SCARD', 'myset')).toBe(2);
    expect(run('SISMEMBER', 'myset', 'Hello')).toBe(1);
    expect(run('SISMEMBER', 'myset', 'two')).toBe(0);
    expect(run('SMISMEMBER', 'myset', 'Hello', 'NotAMember')).toEqual([1, 0]);
    expect(run('SREM', 'myset', 'Hello', 'three')).toBe(1);
    expect(run('SREM', 'myset', 'World')).toBe(1);
    expect(engine.db.data.has('myset')).toBe(false);
    expect(run('SMEMBERS', 'myset')).toEqual([]);
    expect(run('SCARD', 'myset')).toBe(0);
  });

  it('SINTER, SUNION, SDIFF and their STORE forms', () => {
    const { run, engine } = session();
    run('SADD', 'key1', 'a', 'b', 'c', 'd');
    run('SADD', 'key2', 'c');
    run('SADD', 'key3', 'a', 'c', 'e');
    expect(sorted(run('SDIFF', 'key1', 'key2', 'key3'))).toEqual(['b', 'd']);
    expect(sorted(run('SINTER', 'key1', 'key2', 'key3'))).toEqual(['c']);
    expect(sorted(run('SUNION', 'key1', 'key2', 'key3'))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(run('SINTER', 'key1', 'nosuch')).toEqual([]);
    expect(run('SDIFFSTORE', 'dest', 'key1', 'key2', 'key3')).toBe(2);
    expect(sorted(run('SMEMBERS', 'dest'))).toEqual(['b', 'd']);
    expect(run('SUNIONSTORE', 'dest', 'key1', 'key3')).toBe(5);
    expect(run('SINTERSTORE', 'dest', 'key1', 'nosuch')).toBe(0);
    expect(engine.db.data.has('dest')).toBe(false);
    run('SET', 'str', 'x');
    expect(run('SINTERSTORE', 'str', 'key1', 'key3')).toBe(2);
    expect(sorted(run('SMEMBERS', 'str'))).toEqual(['a', 'c']);
    expect(run('SINTER', 'nosuch', 'key1', 'str2')).toEqual([]);
    run('SET', 'str2', 'x');
    expect(run('SINTER', 'nosuch', 'str2')).toEqual(WRONGTYPE);
  });

  it('SINTERCARD with LIMIT and its errors', () => {
    const { run } = session();
    run('SADD', 'key1', 'a', 'b', 'c', 'd');
    run('SADD', 'key2', 'c', 'd', 'e');
    expect(run('SINTERCARD', '2', 'key1', 'key2')).toBe(2);
    expect(run('SINTERCARD', '2', 'key1', 'key2', 'LIMIT', '1')).toBe(1);
    expect(run('SINTERCARD', '2', 'key1', 'key2', 'LIMIT', '0')).toBe(2);
    expect(run('SINTERCARD', '0', 'key1')).toEqual(new ReplyError('ERR numkeys should be greater than 0'));
    expect(run('SINTERCARD', '3', 'key1', 'key2')).toEqual(
      new ReplyError("ERR Number of keys can't be greater than number of args"),
    );
    expect(run('SINTERCARD', '1', 'key1', 'LIMIT', '-1')).toEqual(new ReplyError("ERR LIMIT can't be negative"));
    expect(findCommand('sintercard')?.keys?.(['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'])).toEqual([2, 3]);
  });

  it('SMOVE', () => {
    const { run, engine } = session();
    run('SADD', 'myset', 'one', 'two');
    run('SADD', 'myotherset', 'three');
    expect(run('SMOVE', 'myset', 'myotherset', 'two')).toBe(1);
    expect(run('SMOVE', 'myset', 'myotherset', 'two')).toBe(0);
    expect(sorted(run('SMEMBERS', 'myotherset'))).toEqual(['three', 'two']);
    expect(run('SMOVE', 'myset', 'myset', 'one')).toBe(1);
    expect(run('SMOVE', 'myset', 'new', 'one')).toBe(1);
    expect(engine.db.data.has('myset')).toBe(false);
    run('SET', 'str', 'x');
    expect(run('SMOVE', 'nosuch', 'str', 'one')).toBe(0);
    expect(run('SMOVE', 'new', 'str', 'one')).toEqual(WRONGTYPE);
  });

  it('SPOP removes random members and replicates them as SREM', () => {
    const { engine } = session(3);
    engine.execute(['SADD', 'myset', 'one', 'two', 'three', 'four', 'five'], 0);
    const single = engine.execute(['SPOP', 'myset'], 0);
    expect(typeof single.reply).toBe('string');
    expect(single.effects).toEqual([['SREM', 'myset', single.reply as string]]);
    const three = engine.execute(['SPOP', 'myset', '3'], 0);
    expect(new Set(three.reply as string[]).size).toBe(3);
    expect(three.effects).toEqual([['SREM', 'myset', ...(three.reply as string[])]]);
    const left = engine.execute(['SMEMBERS', 'myset'], 0).reply as string[];
    expect(left).toHaveLength(1);
    expect(sorted([single.reply as string, ...(three.reply as string[]), ...left])).toEqual([
      'five',
      'four',
      'one',
      'three',
      'two',
    ]);
    const rest = engine.execute(['SPOP', 'myset', '5'], 0);
    expect(rest.reply).toEqual(left);
    expect(rest.effects).toEqual([['DEL', 'myset']]);
    expect(engine.execute(['SPOP', 'myset'], 0).reply).toBe(null);
    expect(engine.execute(['SPOP', 'myset', '2'], 0).reply).toEqual([]);
    expect(engine.execute(['SPOP', 'myset', '-1'], 0).reply).toEqual(
      new ReplyError('ERR value is out of range, must be positive'),
    );
  });

  it('SPOP picks differently for different random sources', () => {
    const picks = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const { run } = session(seed);
      run('SADD', 's', ...Array.from({ length: 50 }, (_, i) => `m${i}`));
      picks.add(run('SPOP', 's') as string);
    }
    expect(picks.size).toBeGreaterThan(5);
  });

  it('SRANDMEMBER: distinct members for a positive count, repeats for a negative one', () => {
    const { run } = session();
    run('SADD', 'myset', 'one', 'two', 'three');
    expect(['one', 'two', 'three']).toContain(run('SRANDMEMBER', 'myset'));
    const two = run('SRANDMEMBER', 'myset', '2') as string[];
    expect(new Set(two).size).toBe(2);
    expect(sorted(run('SRANDMEMBER', 'myset', '10'))).toEqual(['one', 'three', 'two']);
    const five = run('SRANDMEMBER', 'myset', '-5') as string[];
    expect(five).toHaveLength(5);
    for (const member of five) expect(['one', 'two', 'three']).toContain(member);
    expect(run('SCARD', 'myset')).toBe(3);
    expect(run('SRANDMEMBER', 'nosuch')).toBe(null);
    expect(run('SRANDMEMBER', 'nosuch', '-3')).toEqual([]);
    expect(run('SRANDMEMBER', 'myset', '0')).toEqual([]);
    expect(run('SRANDMEMBER', 'myset', '-9223372036854775808')).toEqual(
      new ReplyError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'),
    );
    expect(run('SRANDMEMBER', 'myset', '-100000000')).toBeInstanceOf(ReplyError);
  });

  it('SRANDMEMBER with a count near the set size still answers distinct members', () => {
    const { run } = session();
    run('SADD', 'big', ...Array.from({ length: 100 }, (_, i) => String(i)));
    for (const count of [1, 30, 34, 90, 99]) {
      const reply = run('SRANDMEMBER', 'big', String(count)) as string[];
      expect(new Set(reply).size).toBe(count);
    }
  });

  it('SSCAN walks the whole set with a cursor, filtering with MATCH', () => {
    const { run } = session();
    const all = Array.from({ length: 500 }, (_, i) => `member:${i}`);
    run('SADD', 'big', ...all);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, found] = run('SSCAN', 'big', cursor, 'COUNT', '20') as [string, string[]];
      for (const member of found) seen.add(member);
      cursor = next;
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(calls).toBeGreaterThan(10);
    expect([...seen].sort()).toEqual([...all].sort());
    const [, matched] = run('SSCAN', 'big', '0', 'MATCH', 'member:1?', 'COUNT', '1000') as [string, string[]];
    expect(matched.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `member:1${i}`).sort());
    expect(run('SSCAN', 'nosuch', '0', 'BADOPTION')).toEqual(['0', []]);
    expect(run('SSCAN', 'big', 'x')).toEqual(new ReplyError('ERR invalid cursor'));
    expect(run('SSCAN', 'big', '0', 'COUNT', '0')).toEqual(new ReplyError('ERR syntax error'));
  });
});

describe('sets: effects', () => {
  it('replicates writes as is and no-ops not at all', () => {
    const engine = new Engine({ role: 'primary' });
    const effects = (...argv: string[]) => engine.execute(argv, 1_000).effects;
    expect(effects('SADD', 's', 'a', 'b')).toEqual([['SADD', 's', 'a', 'b']]);
    expect(effects('SADD', 's', 'a')).toEqual([]);
    expect(effects('SREM', 's', 'zzz')).toEqual([]);
    expect(effects('SMOVE', 's', 's', 'a')).toEqual([]);
    expect(effects('SINTERSTORE', 'd', 's', 'nosuch')).toEqual([]);
    expect(effects('SUNIONSTORE', 'd', 's')).toEqual([['SUNIONSTORE', 'd', 's']]);
    expect(effects('SDIFFSTORE', 'd', 's', 's')).toEqual([['SDIFFSTORE', 'd', 's', 's']]);
    expect(engine.db.data.has('d')).toBe(false);
    expect(effects('SPOP', 's', '0')).toEqual([]);
  });
});
