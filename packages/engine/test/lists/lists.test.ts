import { describe, expect, it } from 'vitest';
import { Engine, type Reply, ReplyError, SimpleString, findCommand } from '@meridian/engine';

function session(): (...argv: string[]) => Reply {
  const engine = new Engine({ role: 'primary' });
  return (...argv) => engine.execute(argv, 1_000).reply;
}

const OK = new SimpleString('OK');

describe('lists: documented examples', () => {
  it('LPUSH / RPUSH / LRANGE', () => {
    const run = session();
    expect(run('RPUSH', 'mylist', 'one', 'two')).toBe(2);
    expect(run('LPUSH', 'mylist', 'zero')).toBe(3);
    expect(run('LRANGE', 'mylist', '0', '0')).toEqual(['zero']);
    expect(run('LRANGE', 'mylist', '-3', '2')).toEqual(['zero', 'one', 'two']);
    expect(run('LRANGE', 'mylist', '-100', '100')).toEqual(['zero', 'one', 'two']);
    expect(run('LRANGE', 'mylist', '5', '10')).toEqual([]);
    expect(run('LPUSH', 'l2', 'a', 'b', 'c')).toBe(3);
    expect(run('LRANGE', 'l2', '0', '-1')).toEqual(['c', 'b', 'a']);
  });

  it('LPUSHX / RPUSHX only push onto existing lists', () => {
    const run = session();
    expect(run('LPUSH', 'mylist', 'World')).toBe(1);
    expect(run('LPUSHX', 'mylist', 'Hello')).toBe(2);
    expect(run('LPUSHX', 'myotherlist', 'Hello')).toBe(0);
    expect(run('RPUSHX', 'mylist', 'There')).toBe(3);
    expect(run('LRANGE', 'mylist', '0', '-1')).toEqual(['Hello', 'World', 'There']);
    expect(run('LRANGE', 'myotherlist', '0', '-1')).toEqual([]);
  });

  it('LPOP / RPOP with and without count', () => {
    const run = session();
    run('RPUSH', 'mylist', 'one', 'two', 'three', 'four', 'five');
    expect(run('LPOP', 'mylist')).toBe('one');
    expect(run('LPOP', 'mylist', '2')).toEqual(['two', 'three']);
    expect(run('RPOP', 'mylist', '1')).toEqual(['five']);
    expect(run('LPOP', 'mylist', '0')).toEqual([]);
    expect(run('RPOP', 'mylist', '-1')).toEqual(new ReplyError('ERR value is out of range, must be positive'));
    expect(run('RPOP', 'mylist', '5')).toEqual(['four']);
    expect(run('LLEN', 'mylist')).toBe(0);
    expect(run('LPOP', 'mylist')).toBe(null);
    expect(run('LPOP', 'mylist', '3')).toBe(null);
    expect(run('LPOP', 'mylist', '1', '2')).toEqual(new ReplyError("ERR wrong number of arguments for 'lpop' command"));
  });

  it('LINDEX, LSET and their errors', () => {
    const run = session();
    run('RPUSH', 'mylist', 'one', 'two', 'three');
    expect(run('LINDEX', 'mylist', '0')).toBe('one');
    expect(run('LINDEX', 'mylist', '-1')).toBe('three');
    expect(run('LINDEX', 'mylist', '3')).toBe(null);
    expect(run('LSET', 'mylist', '0', 'four')).toEqual(OK);
    expect(run('LSET', 'mylist', '-2', 'five')).toEqual(OK);
    expect(run('LRANGE', 'mylist', '0', '-1')).toEqual(['four', 'five', 'three']);
    expect(run('LSET', 'mylist', '3', 'x')).toEqual(new ReplyError('ERR index out of range'));
    expect(run('LSET', 'nosuch', '0', 'x')).toEqual(new ReplyError('ERR no such key'));
  });

  it('LINSERT, LREM, LTRIM', () => {
    const run = session();
    run('RPUSH', 'mylist', 'Hello', 'World');
    expect(run('LINSERT', 'mylist', 'BEFORE', 'World', 'There')).toBe(3);
    expect(run('LRANGE', 'mylist', '0', '-1')).toEqual(['Hello', 'There', 'World']);
    expect(run('LINSERT', 'mylist', 'AFTER', 'nothere', 'x')).toBe(-1);
    expect(run('LINSERT', 'nosuch', 'AFTER', 'a', 'x')).toBe(0);
    expect(run('LINSERT', 'mylist', 'middle', 'a', 'x')).toEqual(new ReplyError('ERR syntax error'));

    run('RPUSH', 'rem', 'hello', 'hello', 'foo', 'hello');
    expect(run('LREM', 'rem', '-2', 'hello')).toBe(2);
    expect(run('LRANGE', 'rem', '0', '-1')).toEqual(['hello', 'foo']);

    run('RPUSH', 'trim', 'one', 'two', 'three');
    expect(run('LTRIM', 'trim', '1', '-1')).toEqual(OK);
    expect(run('LRANGE', 'trim', '0', '-1')).toEqual(['two', 'three']);
    expect(run('LTRIM', 'trim', '5', '10')).toEqual(OK);
    expect(run('LLEN', 'trim')).toBe(0);
  });

  it('LPOS with RANK, COUNT and MAXLEN', () => {
    const run = session();
    run('RPUSH', 'mylist', 'a', 'b', 'c', '1', '2', '3', 'c', 'c');
    expect(run('LPOS', 'mylist', 'c')).toBe(2);
    expect(run('LPOS', 'mylist', 'c', 'RANK', '2')).toBe(6);
    expect(run('LPOS', 'mylist', 'c', 'RANK', '-1')).toBe(7);
    expect(run('LPOS', 'mylist', 'c', 'COUNT', '2')).toEqual([2, 6]);
    expect(run('LPOS', 'mylist', 'c', 'RANK', '-1', 'COUNT', '2')).toEqual([7, 6]);
    expect(run('LPOS', 'mylist', 'c', 'COUNT', '0')).toEqual([2, 6, 7]);
    expect(run('LPOS', 'mylist', 'c', 'COUNT', '0', 'MAXLEN', '3')).toEqual([2]);
    expect(run('LPOS', 'mylist', 'x')).toBe(null);
    expect(run('LPOS', 'mylist', 'c', 'RANK', '0')).toEqual(
      new ReplyError(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
      ),
    );
    expect(run('LPOS', 'mylist', 'c', 'COUNT', '-1')).toEqual(new ReplyError("ERR COUNT can't be negative"));
    expect(run('LPOS', 'mylist', 'c', 'MAXLEN', '-1')).toEqual(new ReplyError("ERR MAXLEN can't be negative"));
  });

  it('LMOVE, RPOPLPUSH and LMPOP', () => {
    const run = session();
    run('RPUSH', 'mylist', 'one', 'two', 'three');
    expect(run('LMOVE', 'mylist', 'myotherlist', 'RIGHT', 'LEFT')).toBe('three');
    expect(run('LMOVE', 'mylist', 'myotherlist', 'LEFT', 'RIGHT')).toBe('one');
    expect(run('LRANGE', 'mylist', '0', '-1')).toEqual(['two']);
    expect(run('LRANGE', 'myotherlist', '0', '-1')).toEqual(['three', 'one']);
    expect(run('RPOPLPUSH', 'myotherlist', 'myotherlist')).toBe('one');
    expect(run('LRANGE', 'myotherlist', '0', '-1')).toEqual(['one', 'three']);
    expect(run('LMOVE', 'mylist', 'mylist', 'LEFT', 'LEFT')).toBe('two');
    expect(run('LRANGE', 'mylist', '0', '-1')).toEqual(['two']);

    expect(run('LMPOP', '2', 'non1', 'non2', 'LEFT', 'COUNT', '10')).toBe(null);
    run('LPUSH', 'mylist2', 'one', 'two', 'three', 'four', 'five');
    expect(run('LMPOP', '1', 'mylist2', 'LEFT')).toEqual(['mylist2', ['five']]);
    expect(run('LMPOP', '1', 'mylist2', 'RIGHT', 'COUNT', '10')).toEqual(['mylist2', ['one', 'two', 'three', 'four']]);
    expect(run('LMPOP', '0', 'x', 'LEFT')).toEqual(new ReplyError('ERR numkeys should be greater than 0'));
    expect(run('LMPOP', '1', 'x', 'LEFT', 'COUNT', '0')).toEqual(new ReplyError('ERR count should be greater than 0'));
  });

  it('answers WRONGTYPE for other types', () => {
    const run = session();
    run('SET', 'str', 'x');
    for (const argv of [
      ['LPUSH', 'str', 'a'],
      ['LLEN', 'str'],
      ['LRANGE', 'str', '0', '1'],
      ['LPOP', 'str'],
    ]) {
      expect(run(...argv)).toEqual(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'));
    }
  });

  it('refuses the blocking forms and flags them blocking', () => {
    const run = session();
    for (const argv of [
      ['BLPOP', 'a', '0'],
      ['BRPOP', 'a', 'b', '0'],
      ['BRPOPLPUSH', 'a', 'b', '0'],
      ['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
      ['BLMPOP', '0', '1', 'a', 'LEFT'],
    ]) {
      expect(run(...argv)).toEqual(new ReplyError('ERR blocking commands are not supported over REST'));
      expect(findCommand(argv[0] as string)?.isBlocking).toBe(true);
    }
  });
});

describe('lists: effects', () => {
  it('replicates pushes and pops as is, LMPOP as a counted pop, and nothing for no-ops', () => {
    const engine = new Engine({ role: 'primary' });
    const effects = (...argv: string[]) => engine.execute(argv, 1_000).effects;
    expect(effects('RPUSH', 'l', 'a', 'b', 'c')).toEqual([['RPUSH', 'l', 'a', 'b', 'c']]);
    expect(effects('LPUSHX', 'none', 'a')).toEqual([]);
    expect(effects('LPOP', 'l', '0')).toEqual([]);
    expect(effects('LREM', 'l', '0', 'zzz')).toEqual([]);
    expect(effects('LTRIM', 'l', '0', '-1')).toEqual([]);
    expect(effects('LMPOP', '2', 'none', 'l', 'RIGHT', 'COUNT', '2')).toEqual([['RPOP', 'l', '2']]);
    expect(effects('LPOP', 'l')).toEqual([['LPOP', 'l']]);
    expect(engine.db.data.has('l')).toBe(false);
  });

  it('keys positions for the numkeys forms', () => {
    const lmpop = findCommand('lmpop');
    const blmpop = findCommand('blmpop');
    expect(lmpop?.keys?.(['LMPOP', '2', 'a', 'b', 'LEFT'])).toEqual([2, 3]);
    expect(blmpop?.keys?.(['BLMPOP', '0', '1', 'a', 'LEFT'])).toEqual([3]);
  });

  it('keeps the deque O(1) at the ends over many operations', () => {
    const engine = new Engine({ role: 'primary' });
    const values = Array.from({ length: 100_000 }, (_, i) => String(i));
    engine.execute(['RPUSH', 'big', ...values], 0);
    engine.execute(['LPUSH', 'big', ...values], 0);
    expect(engine.execute(['LINDEX', 'big', '100000'], 0).reply).toBe('0');
    expect(engine.execute(['LINDEX', 'big', '99999'], 0).reply).toBe('0');
    expect(engine.execute(['LPOP', 'big', '150000'], 0).reply).toHaveLength(150_000);
    expect(engine.execute(['LRANGE', 'big', '0', '2'], 0).reply).toEqual(['50000', '50001', '50002']);
    expect(engine.execute(['LLEN', 'big'], 0).reply).toBe(50_000);
  });
});
