import { describe, expect, it } from 'vitest';
import { Engine, type Reply, ReplyError, findCommand } from '@meridian/engine';

interface Session {
  (...argv: string[]): Reply;
  exists(key: string): boolean;
}

function session(): Session {
  const engine = new Engine({ role: 'primary' });
  const run = (...argv: string[]): Reply => engine.execute(argv, 1_000).reply;
  return Object.assign(run, { exists: (key: string) => engine.db.data.has(key) });
}

const WRONGTYPE = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('zsets: documented examples', () => {
  it('ZADD, ZRANGE WITHSCORES, ZCARD, ZSCORE', () => {
    const run = session();
    expect(run('ZADD', 'myzset', '1', 'one')).toBe(1);
    expect(run('ZADD', 'myzset', '1', 'uno')).toBe(1);
    expect(run('ZADD', 'myzset', '2', 'two', '3', 'three')).toBe(2);
    expect(run('ZRANGE', 'myzset', '0', '-1', 'WITHSCORES')).toEqual([
      'one',
      '1',
      'uno',
      '1',
      'two',
      '2',
      'three',
      '3',
    ]);
    expect(run('ZCARD', 'myzset')).toBe(4);
    expect(run('ZCARD', 'nosuch')).toBe(0);
    expect(run('ZSCORE', 'myzset', 'two')).toBe('2');
    expect(run('ZSCORE', 'myzset', 'nosuch')).toBe(null);
  });

  it('formats scores with %.17g and accepts inf', () => {
    const run = session();
    run('ZADD', 'z', '1.1', 'a', '-inf', 'low', '+inf', 'high', '1e20', 'big', '0.0001', 'tiny', '-0', 'negzero');
    expect(run('ZSCORE', 'z', 'a')).toBe('1.1000000000000001');
    expect(run('ZMSCORE', 'z', 'low', 'high', 'big', 'tiny', 'negzero', 'none')).toEqual([
      '-inf',
      'inf',
      '1e+20',
      '0.0001',
      '0',
      null,
    ]);
    expect(run('ZADD', 'z', 'nan', 'x')).toEqual(new ReplyError('ERR value is not a valid float'));
    expect(run('ZADD', 'z', '1e400', 'x')).toEqual(new ReplyError('ERR value is not a valid float'));
  });

  it('ZADD options: NX, XX, GT, LT, CH, INCR and their conflicts', () => {
    const run = session();
    run('ZADD', 'z', '5', 'a');
    expect(run('ZADD', 'z', 'NX', '1', 'a', '2', 'b')).toBe(1);
    expect(run('ZSCORE', 'z', 'a')).toBe('5');
    expect(run('ZADD', 'z', 'XX', 'CH', '6', 'a', '3', 'c')).toBe(1);
    expect(run('ZSCORE', 'z', 'c')).toBe(null);
    expect(run('ZADD', 'z', 'GT', 'CH', '4', 'a', '9', 'b')).toBe(1);
    expect(run('ZMSCORE', 'z', 'a', 'b')).toEqual(['6', '9']);
    expect(run('ZADD', 'z', 'LT', '1', 'a', '10', 'b', '0', 'new')).toBe(1);
    expect(run('ZMSCORE', 'z', 'a', 'b', 'new')).toEqual(['1', '9', '0']);
    expect(run('ZADD', 'z', 'INCR', '2.5', 'a')).toBe('3.5');
    expect(run('ZADD', 'z', 'NX', 'INCR', '1', 'a')).toBe(null);
    expect(run('ZADD', 'z', 'GT', 'INCR', '-1', 'a')).toBe(null);
    expect(run('ZADD', 'nosuch', 'XX', '1', 'a')).toBe(0);
    expect(run.exists('nosuch')).toBe(false);
    expect(run('ZADD', 'z', 'NX', 'XX', '1', 'a')).toEqual(
      new ReplyError('ERR XX and NX options at the same time are not compatible'),
    );
    expect(run('ZADD', 'z', 'GT', 'LT', '1', 'a')).toEqual(
      new ReplyError('ERR GT, LT, and/or NX options at the same time are not compatible'),
    );
    expect(run('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toEqual(
      new ReplyError('ERR INCR option supports a single increment-element pair'),
    );
    expect(run('ZADD', 'z', '1', 'a', '2')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('ZADD', 'z', 'INCR', 'inf', 'inf')).toBe('inf');
    expect(run('ZINCRBY', 'z', '-inf', 'inf')).toEqual(new ReplyError('ERR resulting score is not a number (NaN)'));
  });

  it('ZINCRBY creates and increments', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two');
    expect(run('ZINCRBY', 'myzset', '2', 'one')).toBe('3');
    expect(run('ZRANGE', 'myzset', '0', '-1', 'WITHSCORES')).toEqual(['two', '2', 'one', '3']);
    expect(run('ZINCRBY', 'fresh', '0.1', 'm')).toBe('0.10000000000000001');
    expect(run('ZINCRBY', 'fresh', 'x', 'm')).toEqual(new ReplyError('ERR value is not a valid float'));
  });

  it('ZINCRBY reads an increment spelled as a ZADD flag as that flag, as Redis does: a syntax error', () => {
    const run = session();
    run('ZADD', 'z', '1', 'm');
    for (const flag of ['nx', 'XX', 'gt', 'LT', 'ch', 'INCR']) {
      expect(run('ZINCRBY', 'z', flag, 'm')).toEqual(new ReplyError('ERR syntax error'));
    }
    expect(run('ZINCRBY', 'nosuch', 'nx', 'm')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('ZSCORE', 'z', 'm')).toBe('1');
    expect(run.exists('nosuch')).toBe(false);
  });

  it('ZCOUNT and ZLEXCOUNT', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZCOUNT', 'myzset', '-inf', '+inf')).toBe(3);
    expect(run('ZCOUNT', 'myzset', '(1', '3')).toBe(2);
    expect(run('ZCOUNT', 'myzset', 'x', '3')).toEqual(new ReplyError('ERR min or max is not a float'));
    run('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'f', '0', 'g');
    expect(run('ZLEXCOUNT', 'lex', '-', '+')).toBe(7);
    expect(run('ZLEXCOUNT', 'lex', '[b', '[f')).toBe(5);
    expect(run('ZLEXCOUNT', 'lex', '(b', '(f')).toBe(3);
    expect(run('ZLEXCOUNT', 'lex', 'b', '[f')).toEqual(new ReplyError('ERR min or max not valid string range item'));
  });

  it('ZRANK and ZREVRANK, with WITHSCORE (Redis 7.2)', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZRANK', 'myzset', 'three')).toBe(2);
    expect(run('ZRANK', 'myzset', 'four')).toBe(null);
    expect(run('ZRANK', 'myzset', 'three', 'WITHSCORE')).toEqual([2, '3']);
    expect(run('ZRANK', 'myzset', 'four', 'withscore')).toBe(null);
    expect(run('ZREVRANK', 'myzset', 'one')).toBe(2);
    expect(run('ZREVRANK', 'myzset', 'one', 'WITHSCORE')).toEqual([2, '1']);
    expect(run('ZRANK', 'myzset', 'one', 'WITHSCORES')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('ZRANK', 'myzset', 'one', 'WITHSCORE', 'x')).toEqual(
      new ReplyError("ERR wrong number of arguments for 'zrank' command"),
    );
  });

  it('ZRANGE by rank, score and lex, REV, LIMIT', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZRANGE', 'myzset', '2', '3')).toEqual(['three']);
    expect(run('ZRANGE', 'myzset', '-2', '-1')).toEqual(['two', 'three']);
    expect(run('ZRANGE', 'myzset', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '1')).toEqual(['three']);
    expect(run('ZRANGE', 'myzset', '+inf', '(1', 'BYSCORE', 'REV', 'WITHSCORES')).toEqual(['three', '3', 'two', '2']);
    expect(run('ZREVRANGE', 'myzset', '0', '-1')).toEqual(['three', 'two', 'one']);
    expect(run('ZRANGEBYSCORE', 'myzset', '(1', '(3')).toEqual(['two']);
    expect(run('ZREVRANGEBYSCORE', 'myzset', '+inf', '-inf', 'WITHSCORES', 'LIMIT', '0', '2')).toEqual([
      'three',
      '3',
      'two',
      '2',
    ]);
    run('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'f', '0', 'g');
    expect(run('ZRANGEBYLEX', 'lex', '-', '[c')).toEqual(['a', 'b', 'c']);
    expect(run('ZRANGEBYLEX', 'lex', '[aaa', '(g')).toEqual(['b', 'c', 'd', 'e', 'f']);
    expect(run('ZREVRANGEBYLEX', 'lex', '[c', '-')).toEqual(['c', 'b', 'a']);
    expect(run('ZRANGE', 'lex', '[f', '(b', 'BYLEX', 'REV', 'LIMIT', '1', '2')).toEqual(['e', 'd']);
    expect(run('ZRANGE', 'lex', '-', '+', 'BYLEX', 'WITHSCORES')).toEqual(
      new ReplyError('ERR syntax error, WITHSCORES not supported in combination with BYLEX'),
    );
    expect(run('ZRANGE', 'myzset', '0', '1', 'REV', 'REV')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('ZRANGEBYSCORE', 'myzset', '0', '1', 'BYSCORE')).toEqual(new ReplyError('ERR syntax error'));
  });

  it('ZRANGE accepts LIMIT with a rank range (Upstash), unlike ZREVRANGE', () => {
    const run = session();
    run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(run('ZRANGE', 'z', '0', '-1', 'LIMIT', '1', '2')).toEqual(['b', 'c']);
    expect(run('ZRANGE', 'z', '0', '-1', 'REV', 'LIMIT', '1', '2', 'WITHSCORES')).toEqual(['d', '4', 'c', '3']);
    expect(run('ZRANGE', 'z', '1', '3', 'LIMIT', '2', '10')).toEqual(['d']);
    expect(run('ZRANGE', 'z', '0', '-1', 'LIMIT', '-1', '2')).toEqual([]);
    expect(run('ZRANGE', 'z', '0', '-1', 'LIMIT', '3', '-5')).toEqual(['d', 'e']);
    expect(run('ZREVRANGE', 'z', '0', '-1', 'LIMIT', '1', '2')).toEqual(
      new ReplyError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX'),
    );
  });

  it('ZRANGESTORE', () => {
    const run = session();
    run('ZADD', 'srczset', '1', 'one', '2', 'two', '3', 'three', '4', 'four');
    expect(run('ZRANGESTORE', 'dstzset', 'srczset', '2', '-1')).toBe(2);
    expect(run('ZRANGE', 'dstzset', '0', '-1')).toEqual(['three', 'four']);
    expect(run('ZRANGESTORE', 'dstzset', 'srczset', '10', '20')).toBe(0);
    expect(run.exists('dstzset')).toBe(false);
    expect(run('ZRANGESTORE', 'd', 'srczset', '0', '-1', 'WITHSCORES')).toEqual(new ReplyError('ERR syntax error'));
  });

  it('ZREM and the ZREMRANGEBY commands delete emptied keys', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZREM', 'myzset', 'two', 'nosuch')).toBe(1);
    expect(run('ZRANGE', 'myzset', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'three', '3']);
    run('ZADD', 'r', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZREMRANGEBYRANK', 'r', '0', '1')).toBe(2);
    expect(run('ZRANGE', 'r', '0', '-1')).toEqual(['three']);
    run('ZADD', 's', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZREMRANGEBYSCORE', 's', '-inf', '(2')).toBe(1);
    expect(run('ZRANGE', 's', '0', '-1')).toEqual(['two', 'three']);
    run(
      'ZADD',
      'l',
      '0',
      'aaaa',
      '0',
      'b',
      '0',
      'c',
      '0',
      'd',
      '0',
      'e',
      '0',
      'foo',
      '0',
      'zap',
      '0',
      'zip',
      '0',
      'ALPHA',
      '0',
      'alpha',
    );
    expect(run('ZREMRANGEBYLEX', 'l', '[alpha', '[omega')).toBe(6);
    expect(run('ZRANGE', 'l', '0', '-1')).toEqual(['ALPHA', 'aaaa', 'zap', 'zip']);
    expect(run('ZREMRANGEBYRANK', 'l', '0', '-1')).toBe(4);
    expect(run.exists('l')).toBe(false);
    expect(run('ZREM', 'myzset', 'one', 'three')).toBe(2);
    expect(run.exists('myzset')).toBe(false);
  });

  it('ZPOPMIN, ZPOPMAX and ZMPOP', () => {
    const run = session();
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZPOPMIN', 'myzset')).toEqual(['one', '1']);
    expect(run('ZPOPMAX', 'myzset', '5')).toEqual(['three', '3', 'two', '2']);
    expect(run.exists('myzset')).toBe(false);
    expect(run('ZPOPMIN', 'myzset')).toEqual([]);
    expect(run('ZPOPMIN', 'myzset', '-1')).toEqual(new ReplyError('ERR value is out of range, must be positive'));
    expect(run('ZMPOP', '1', 'notsuchkey', 'MIN')).toBe(null);
    run('ZADD', 'myzset', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZMPOP', '1', 'myzset', 'MIN')).toEqual(['myzset', [['one', '1']]]);
    expect(run('ZMPOP', '1', 'myzset', 'MAX', 'COUNT', '10')).toEqual([
      'myzset',
      [
        ['three', '3'],
        ['two', '2'],
      ],
    ]);
    run('ZADD', 'myzset2', '4', 'four', '5', 'five', '6', 'six');
    expect(run('ZMPOP', '2', 'myzset', 'myzset2', 'MIN', 'COUNT', '10')).toEqual([
      'myzset2',
      [
        ['four', '4'],
        ['five', '5'],
        ['six', '6'],
      ],
    ]);
    expect(run('ZMPOP', '0', 'x', 'MIN')).toEqual(new ReplyError('ERR numkeys should be greater than 0'));
    expect(run('ZMPOP', '1', 'x', 'MIN', 'COUNT', '0')).toEqual(new ReplyError('ERR count should be greater than 0'));
  });

  it('ZUNION, ZINTER, ZDIFF with WEIGHTS and AGGREGATE, their STORE forms, ZINTERCARD', () => {
    const run = session();
    run('ZADD', 'zset1', '1', 'one', '2', 'two');
    run('ZADD', 'zset2', '1', 'one', '2', 'two', '3', 'three');
    expect(run('ZINTER', '2', 'zset1', 'zset2')).toEqual(['one', 'two']);
    expect(run('ZINTER', '2', 'zset1', 'zset2', 'WITHSCORES')).toEqual(['one', '2', 'two', '4']);
    expect(run('ZUNION', '2', 'zset1', 'zset2', 'WITHSCORES')).toEqual(['one', '2', 'three', '3', 'two', '4']);
    expect(run('ZUNIONSTORE', 'out', '2', 'zset1', 'zset2', 'WEIGHTS', '2', '3')).toBe(3);
    expect(run('ZRANGE', 'out', '0', '-1', 'WITHSCORES')).toEqual(['one', '5', 'three', '9', 'two', '10']);
    expect(run('ZINTERSTORE', 'out', '2', 'zset1', 'zset2', 'AGGREGATE', 'MAX')).toBe(2);
    expect(run('ZRANGE', 'out', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
    expect(run('ZDIFF', '2', 'zset2', 'zset1', 'WITHSCORES')).toEqual(['three', '3']);
    expect(run('ZDIFFSTORE', 'out', '2', 'zset1', 'zset2')).toBe(0);
    expect(run.exists('out')).toBe(false);
    expect(run('ZINTERCARD', '2', 'zset1', 'zset2')).toBe(2);
    expect(run('ZINTERCARD', '2', 'zset1', 'zset2', 'LIMIT', '1')).toBe(1);
    expect(run('ZINTERCARD', '2', 'zset1', 'zset2', 'LIMIT', '-1')).toEqual(
      new ReplyError("ERR LIMIT can't be negative"),
    );
    run('SADD', 'plain', 'one', 'three');
    expect(run('ZUNION', '2', 'zset1', 'plain', 'WITHSCORES')).toEqual(['three', '1', 'one', '2', 'two', '2']);
    expect(run('ZUNION', '0', 'x')).toEqual(new ReplyError("ERR at least 1 input key is needed for 'zunion' command"));
    expect(run('ZDIFF', '1', 'zset1', 'WEIGHTS', '1')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('ZINTER', '2', 'zset1', 'zset2', 'WEIGHTS', '1', 'x')).toEqual(
      new ReplyError('ERR weight value is not a float'),
    );
  });

  it('ZRANDMEMBER', () => {
    const run = session();
    run('ZADD', 'dadi', '1', 'uno', '2', 'due', '3', 'tre', '4', 'quattro', '5', 'cinque', '6', 'sei');
    const members = ['uno', 'due', 'tre', 'quattro', 'cinque', 'sei'];
    expect(members).toContain(run('ZRANDMEMBER', 'dadi'));
    const three = run('ZRANDMEMBER', 'dadi', '3') as string[];
    expect(new Set(three).size).toBe(3);
    for (const member of three) expect(members).toContain(member);
    const repeated = run('ZRANDMEMBER', 'dadi', '-20') as string[];
    expect(repeated).toHaveLength(20);
    const withScores = run('ZRANDMEMBER', 'dadi', '-5', 'WITHSCORES') as string[];
    expect(withScores).toHaveLength(10);
    expect(run('ZSCORE', 'dadi', withScores[0] as string)).toBe(withScores[1]);
    expect(run('ZRANDMEMBER', 'dadi', '10')).toEqual(['sei', 'cinque', 'quattro', 'tre', 'due', 'uno']);
    expect(run('ZRANDMEMBER', 'nosuch')).toBe(null);
    expect(run('ZRANDMEMBER', 'nosuch', '5')).toEqual([]);
    expect(run('ZRANDMEMBER', 'dadi', '1', 'WITHSCORE')).toEqual(new ReplyError('ERR syntax error'));
  });

  it('ZSCAN returns small sets whole and walks large ones to completion', () => {
    const run = session();
    run('ZADD', 'small', '1', 'a', '2', 'b', '3', 'ab');
    expect(run('ZSCAN', 'small', '0', 'MATCH', 'a*')).toEqual(['0', ['a', '1', 'ab', '3']]);
    expect(run('ZSCAN', 'small', 'x')).toEqual(new ReplyError('ERR invalid cursor'));
    expect(run('ZSCAN', 'nosuch', '0', 'COUNT', 'x')).toEqual(['0', []]);
    const args = ['ZADD', 'big'];
    for (let i = 0; i < 1000; i++) args.push(String(i), `m${i}`);
    run(...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, items] = run('ZSCAN', 'big', cursor, 'COUNT', '50') as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i] as string, items[i + 1] as string);
      cursor = next;
      rounds++;
    } while (cursor !== '0' && rounds < 1000);
    expect(seen.size).toBe(1000);
    expect(seen.get('m777')).toBe('777');
    expect(rounds).toBeGreaterThan(5);
  });

  it('answers WRONGTYPE for other types', () => {
    const run = session();
    run('SET', 'str', 'x');
    for (const argv of [
      ['ZADD', 'str', '1', 'a'],
      ['ZSCORE', 'str', 'a'],
      ['ZRANGE', 'str', '0', '1'],
      ['ZPOPMIN', 'str'],
      ['ZUNION', '1', 'str'],
      ['ZRANGESTORE', 'd', 'str', '0', '1'],
    ]) {
      expect(run(...argv)).toEqual(WRONGTYPE);
    }
  });

  it('refuses the blocking forms and flags them blocking', () => {
    const run = session();
    for (const argv of [
      ['BZPOPMIN', 'z', '0'],
      ['BZPOPMAX', 'z', 'y', '1'],
      ['BZMPOP', '0', '1', 'z', 'MIN'],
    ]) {
      expect(run(...argv)).toEqual(new ReplyError('ERR blocking commands are not supported over REST'));
      expect(findCommand(argv[0] as string)?.isBlocking).toBe(true);
    }
    expect(findCommand('zadd')?.isWrite).toBe(true);
    expect(findCommand('zrange')?.isReadonly).toBe(true);
  });
});
