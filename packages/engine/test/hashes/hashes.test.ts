import { describe, expect, it } from 'vitest';
import { dumpKeyspace, Engine, loadSnapshotEntry, type Reply, ReplyError } from '@meridian/engine';
import { seededRandom } from '../../../../test/support/replay.js';

const T0 = 1_700_000_000_000;

function session(seed = 7): { run: (...argv: string[]) => Reply; engine: Engine } {
  const engine = new Engine({ role: 'primary', random: seededRandom(seed) });
  return { engine, run: (...argv) => engine.execute(argv, T0).reply };
}

function pairs(reply: Reply): string[][] {
  const flat = reply as string[];
  const out: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
}

const WRONGTYPE = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('hashes: documented examples', () => {
  it('HSET, HGET, HMGET, HGETALL, HKEYS, HVALS, HLEN, HEXISTS, HSTRLEN', () => {
    const { run } = session();
    expect(run('HSET', 'myhash', 'field1', 'Hello')).toBe(1);
    expect(run('HGET', 'myhash', 'field1')).toBe('Hello');
    expect(run('HSET', 'myhash', 'field2', 'Hi', 'field3', 'World')).toBe(2);
    expect(run('HSET', 'myhash', 'field2', 'Hi again')).toBe(0);
    expect(run('HGET', 'myhash', 'nosuch')).toBe(null);
    expect(run('HMGET', 'myhash', 'field1', 'nofield', 'field3')).toEqual(['Hello', null, 'World']);
    expect(pairs(run('HGETALL', 'myhash'))).toEqual([
      ['field1', 'Hello'],
      ['field2', 'Hi again'],
      ['field3', 'World'],
    ]);
    expect(run('HKEYS', 'myhash')).toEqual(['field1', 'field2', 'field3']);
    expect(run('HVALS', 'myhash')).toEqual(['Hello', 'Hi again', 'World']);
    expect(run('HLEN', 'myhash')).toBe(3);
    expect(run('HEXISTS', 'myhash', 'field1')).toBe(1);
    expect(run('HEXISTS', 'myhash', 'field9')).toBe(0);
    expect(run('HSTRLEN', 'myhash', 'field2')).toBe(8);
    expect(run('HSTRLEN', 'myhash', 'nosuch')).toBe(0);
    expect(run('HMGET', 'nosuch', 'a', 'b')).toEqual([null, null]);
    expect(run('HGETALL', 'nosuch')).toEqual([]);
    expect(run('HSET', 'myhash', 'odd')).toEqual(new ReplyError("ERR wrong number of arguments for 'hset' command"));
    expect(run('HSET', 'myhash', 'a', '1', 'b')).toEqual(
      new ReplyError("ERR wrong number of arguments for 'hset' command"),
    );
  });

  it('HSETNX, HMSET, HDEL deletes an emptied hash', () => {
    const { run, engine } = session();
    expect(run('HSETNX', 'myhash', 'field', 'Hello')).toBe(1);
    expect(run('HSETNX', 'myhash', 'field', 'World')).toBe(0);
    expect(run('HGET', 'myhash', 'field')).toBe('Hello');
    expect(run('HMSET', 'myhash', 'f1', 'a', 'f2', 'b')).toEqual({ value: 'OK' });
    expect(run('HDEL', 'myhash', 'field', 'f1', 'nosuch')).toBe(2);
    expect(run('HDEL', 'myhash', 'f2')).toBe(1);
    expect(engine.db.data.has('myhash')).toBe(false);
    expect(run('HDEL', 'myhash', 'f2')).toBe(0);
    run('SET', 'str', 'x');
    expect(run('HGET', 'str', 'a')).toEqual(WRONGTYPE);
    expect(run('HSET', 'str', 'a', 'b')).toEqual(WRONGTYPE);
    expect(run('HDEL', 'str', 'a')).toEqual(WRONGTYPE);
  });

  it('HINCRBY and HINCRBYFLOAT', () => {
    const { run, engine } = session();
    run('HSET', 'myhash', 'field', '5');
    expect(run('HINCRBY', 'myhash', 'field', '1')).toBe(6);
    expect(run('HINCRBY', 'myhash', 'field', '-1')).toBe(5);
    expect(run('HINCRBY', 'myhash', 'field', '-10')).toBe(-5);
    expect(run('HINCRBY', 'myhash', 'big', '9223372036854775807')).toBe(9223372036854775807n);
    expect(run('HINCRBY', 'myhash', 'big', '1')).toEqual(new ReplyError('ERR increment or decrement would overflow'));
    run('HSET', 'mykey', 'field', '10.50');
    expect(run('HINCRBYFLOAT', 'mykey', 'field', '0.1')).toBe('10.6');
    expect(run('HINCRBYFLOAT', 'mykey', 'field', '-5')).toBe('5.6');
    run('HSET', 'mykey', 'field', '5.0e3');
    expect(run('HINCRBYFLOAT', 'mykey', 'field', '2.0e2')).toBe('5200');
    run('HSET', 'mykey', 'text', 'abc');
    expect(run('HINCRBY', 'mykey', 'text', '1')).toEqual(new ReplyError('ERR hash value is not an integer'));
    expect(run('HINCRBYFLOAT', 'mykey', 'text', '1')).toEqual(new ReplyError('ERR hash value is not a float'));
    expect(run('HINCRBYFLOAT', 'mykey', 'field', 'inf')).toEqual(new ReplyError('ERR value is NaN or Infinity'));
    expect(run('HINCRBY', 'mykey', 'field', 'x')).toEqual(
      new ReplyError('ERR value is not an integer or out of range'),
    );
    const { effects } = engine.execute(['HINCRBYFLOAT', 'mykey', 'field', '0.5'], T0);
    expect(effects).toEqual([['HSET', 'mykey', 'field', '5200.5']]);
  });

  it('HRANDFIELD with and without count and WITHVALUES', () => {
    const { run } = session();
    run('HSET', 'coin', 'heads', 'obverse', 'tails', 'reverse', 'edge', 'null');
    expect(['heads', 'tails', 'edge']).toContain(run('HRANDFIELD', 'coin'));
    expect(new Set(run('HRANDFIELD', 'coin', '2') as string[]).size).toBe(2);
    expect([...(run('HRANDFIELD', 'coin', '10') as string[])].sort()).toEqual(['edge', 'heads', 'tails']);
    const withValues = pairs(run('HRANDFIELD', 'coin', '-5', 'WITHVALUES'));
    expect(withValues).toHaveLength(5);
    const values: Record<string, string> = { heads: 'obverse', tails: 'reverse', edge: 'null' };
    for (const [field, value] of withValues) expect(values[field as string]).toBe(value);
    expect(run('HRANDFIELD', 'coin', '0')).toEqual([]);
    expect(run('HRANDFIELD', 'nosuch')).toBe(null);
    expect(run('HRANDFIELD', 'nosuch', '-3')).toEqual([]);
    expect(run('HRANDFIELD', 'coin', '1', 'WITH')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('HRANDFIELD', 'coin', '9223372036854775807', 'WITHVALUES')).toEqual(
      new ReplyError('ERR value is out of range'),
    );
  });

  it('HSCAN with MATCH, COUNT and NOVALUES walks every field once', () => {
    const { run } = session();
    const fields = Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat();
    run('HSET', 'big', ...fields);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, found] = run('HSCAN', 'big', cursor, 'COUNT', '7') as [string, string[]];
      for (let i = 0; i < found.length; i += 2) seen.set(found[i] as string, found[i + 1] as string);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(300);
    expect(seen.get('f42')).toBe('v42');
    const [, matched] = run('HSCAN', 'big', '0', 'MATCH', 'f1?', 'COUNT', '1000', 'NOVALUES') as [string, string[]];
    expect([...matched].sort()).toEqual(['f10', 'f11', 'f12', 'f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']);
    expect(run('HSCAN', 'nosuch', '0')).toEqual(['0', []]);
    expect(run('HSCAN', 'big', 'x')).toEqual(new ReplyError('ERR invalid cursor'));
  });
});

describe('hashes: field TTLs (Redis 7.4/8.0 commands)', () => {
  it('HEXPIRE, HTTL, HPERSIST as documented', () => {
    const { engine } = session();
    const at = (nowMs: number, ...argv: string[]) => engine.execute(argv, nowMs);
    at(T0, 'HSET', 'mykey', 'field1', 'hello', 'field2', 'world');
    expect(at(T0, 'HEXPIRE', 'mykey', '10', 'FIELDS', '3', 'field1', 'field2', 'field3').reply).toEqual([1, 1, -2]);
    expect(at(T0 + 1, 'HTTL', 'mykey', 'FIELDS', '2', 'field1', 'nosuch').reply).toEqual([10, -2]);
    expect(at(T0 + 1, 'HPTTL', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([9999]);
    expect(at(T0, 'HEXPIRETIME', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([Math.ceil((T0 + 10_000) / 1000)]);
    expect(at(T0, 'HPEXPIRETIME', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([T0 + 10_000]);
    expect(at(T0, 'HPERSIST', 'mykey', 'FIELDS', '3', 'field1', 'field1', 'nosuch').reply).toEqual([1, -1, -2]);
    expect(at(T0, 'HTTL', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([-1]);
    expect(at(T0 + 9_999, 'HGETALL', 'mykey').reply).toEqual(['field1', 'hello', 'field2', 'world']);
    const expired = at(T0 + 10_000, 'HGETALL', 'mykey');
    expect(expired.reply).toEqual(['field1', 'hello']);
    expect(expired.effects).toEqual([['HDEL', 'mykey', 'field2']]);
    expect(engine.stats.expiredFields).toBe(1);
  });

  it('HEXPIRE conditions NX, XX, GT, LT and a time in the past', () => {
    const { engine } = session();
    const run = (...argv: string[]) => engine.execute(argv, T0);
    run('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    expect(run('HPEXPIRE', 'h', '5000', 'XX', 'FIELDS', '1', 'a').reply).toEqual([0]);
    expect(run('HPEXPIRE', 'h', '5000', 'GT', 'FIELDS', '1', 'a').reply).toEqual([0]);
    expect(run('HPEXPIRE', 'h', '5000', 'LT', 'FIELDS', '1', 'a').reply).toEqual([1]);
    expect(run('HPEXPIRE', 'h', '6000', 'NX', 'FIELDS', '2', 'a', 'b').reply).toEqual([0, 1]);
    expect(run('HPEXPIRE', 'h', '7000', 'GT', 'FIELDS', '2', 'a', 'b').reply).toEqual([1, 1]);
    expect(run('HPEXPIRE', 'h', '6500', 'LT', 'FIELDS', '1', 'a').reply).toEqual([1]);
    const result = run('HPEXPIRE', 'h', '8000', 'xx', 'FIELDS', '3', 'a', 'b', 'c');
    expect(result.reply).toEqual([1, 1, 0]);
    expect(result.effects).toEqual([['HPEXPIREAT', 'h', String(T0 + 8000), 'FIELDS', '2', 'a', 'b']]);
    const past = run('HEXPIREAT', 'h', '1', 'FIELDS', '2', 'a', 'nosuch');
    expect(past.reply).toEqual([2, -2]);
    expect(past.effects).toEqual([['HDEL', 'h', 'a']]);
    const zero = run('HEXPIRE', 'h', '0', 'FIELDS', '2', 'b', 'c');
    expect(zero.reply).toEqual([2, 2]);
    expect(engine.db.data.has('h')).toBe(false);
    expect(run('HEXPIRE', 'h', '10', 'FIELDS', '1', 'a').reply).toEqual([-2]);
  });

  it('argument errors of the field-TTL commands', () => {
    const { run } = session();
    run('HSET', 'h', 'a', '1');
    const error = (text: string) => new ReplyError(text);
    expect(run('HEXPIRE', 'h', '10', 'FIELD', '1', 'a')).toEqual(
      error('ERR Mandatory argument FIELDS is missing or not at the right position'),
    );
    expect(run('HEXPIRE', 'h', '10', 'FIELDS', '0', 'a')).toEqual(
      error('ERR Parameter `numFields` should be greater than 0'),
    );
    expect(run('HEXPIRE', 'h', '10', 'FIELDS', 'x', 'a')).toEqual(
      error('ERR Parameter `numFields` should be greater than 0'),
    );
    expect(run('HEXPIRE', 'h', '10', 'FIELDS', '2', 'a')).toEqual(
      error('ERR The `numfields` parameter must match the number of arguments'),
    );
    expect(run('HEXPIRE', 'h', '-1', 'FIELDS', '1', 'a')).toEqual(error('ERR invalid expire time, must be >= 0'));
    expect(run('HEXPIRE', 'h', 'x', 'FIELDS', '1', 'a')).toEqual(error('ERR value is not an integer or out of range'));
    expect(run('HEXPIRE', 'h', '70368744177664', 'FIELDS', '1', 'a')).toEqual(
      error("ERR invalid expire time in 'hexpire' command"),
    );
    expect(run('HPEXPIREAT', 'h', String(2 ** 46), 'FIELDS', '1', 'a')).toEqual(
      error("ERR invalid expire time in 'hpexpireat' command"),
    );
    expect(run('HEXPIRE', 'h', '10', 'FIELDS', '1')).toEqual(
      error("ERR wrong number of arguments for 'hexpire' command"),
    );
    expect(run('HTTL', 'h', 'FIELDS', '0', 'a')).toEqual(error('ERR Number of fields must be a positive integer'));
    expect(run('HPERSIST', 'h', 'FIELDS', '2', 'a')).toEqual(
      error('ERR The `numfields` parameter must match the number of arguments'),
    );
    expect(run('HGETDEL', 'h', 'FIELD', '1', 'a')).toEqual(
      error('ERR Mandatory argument FIELDS is missing or not at the right position'),
    );
    expect(run('HGETEX', 'h', 'EX', '-5', 'FIELDS', '1', 'a')).toEqual(error('ERR invalid expire time, must be >= 0'));
    expect(run('HGETEX', 'h', 'KEEPTTL', 'FIELDS', '1', 'a')).toEqual(
      error('ERR Mandatory argument FIELDS is missing or not at the right position'),
    );
    expect(run('HSETEX', 'h', 'EX', '10', 'KEEPTTL', 'FIELDS', '1', 'a', 'b')).toEqual(
      error('ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified'),
    );
    expect(run('HSETEX', 'h', 'FNX', 'FXX', 'FIELDS', '1', 'a', 'b')).toEqual(
      error('ERR Only one of FXX or FNX arguments can be specified'),
    );
    expect(run('HSETEX', 'h', 'FOO', 'FIELDS', '1', 'a', 'b')).toEqual(error('ERR unknown argument: FOO'));
    expect(run('HSETEX', 'h', 'FIELDS', '0', 'a', 'b')).toEqual(error('ERR invalid number of fields'));
    expect(run('HSETEX', 'h', 'FIELDS', '2', 'a', 'b')).toEqual(
      error("ERR wrong number of arguments for 'hsetex' command"),
    );
    run('SET', 'str', 'x');
    expect(run('HTTL', 'str', 'FIELDS', '1', 'a')).toEqual(WRONGTYPE);
    expect(run('HEXPIRE', 'str', '10', 'FIELDS', '1', 'a')).toEqual(WRONGTYPE);
  });

  it('HGETDEL returns and deletes, deleting the emptied hash', () => {
    const { engine } = session();
    engine.execute(['HSET', 'mykey', 'field1', 'value1', 'field2', 'value2', 'field3', 'value3'], T0);
    const first = engine.execute(['HGETDEL', 'mykey', 'FIELDS', '2', 'field3', 'field4'], T0);
    expect(first.reply).toEqual(['value3', null]);
    expect(first.effects).toEqual([['HDEL', 'mykey', 'field3']]);
    expect(engine.execute(['HGETALL', 'mykey'], T0).reply).toEqual(['field1', 'value1', 'field2', 'value2']);
    expect(engine.execute(['HGETDEL', 'mykey', 'FIELDS', '3', 'field1', 'field2', 'field1'], T0).reply).toEqual([
      'value1',
      'value2',
      null,
    ]);
    expect(engine.db.data.has('mykey')).toBe(false);
    expect(engine.execute(['HGETDEL', 'mykey', 'FIELDS', '1', 'a'], T0).effects).toEqual([]);
  });

  it('HGETEX sets, persists and past-deletes TTLs of existing fields', () => {
    const { engine } = session();
    const run = (...argv: string[]) => engine.execute(argv, T0);
    run('HSET', 'mykey', 'field1', 'Hello', 'field2', 'World');
    const ex = run('HGETEX', 'mykey', 'EX', '120', 'FIELDS', '2', 'field1', 'nosuch');
    expect(ex.reply).toEqual(['Hello', null]);
    expect(ex.effects).toEqual([['HPEXPIREAT', 'mykey', String(T0 + 120_000), 'FIELDS', '1', 'field1']]);
    expect(run('HTTL', 'mykey', 'FIELDS', '2', 'field1', 'field2').reply).toEqual([120, -1]);
    const persist = run('HGETEX', 'mykey', 'PERSIST', 'FIELDS', '2', 'field1', 'field2');
    expect(persist.reply).toEqual(['Hello', 'World']);
    expect(persist.effects).toEqual([['HPERSIST', 'mykey', 'FIELDS', '1', 'field1']]);
    expect(run('HGETEX', 'mykey', 'FIELDS', '1', 'field2').effects).toEqual([]);
    const past = run('HGETEX', 'mykey', 'PXAT', '1', 'FIELDS', '2', 'field1', 'field2');
    expect(past.reply).toEqual(['Hello', 'World']);
    expect(past.effects).toEqual([['HDEL', 'mykey', 'field1', 'field2']]);
    expect(engine.db.data.has('mykey')).toBe(false);
  });

  it('HSETEX with FNX, FXX, KEEPTTL and expirations', () => {
    const { engine } = session();
    const run = (...argv: string[]) => engine.execute(argv, T0);
    const set = run('HSETEX', 'mykey', 'EX', '60', 'FIELDS', '2', 'field1', 'Hello', 'field2', 'World');
    expect(set.reply).toBe(1);
    expect(set.effects).toEqual([
      ['HSETEX', 'mykey', 'PXAT', String(T0 + 60_000), 'FIELDS', '2', 'field1', 'Hello', 'field2', 'World'],
    ]);
    expect(run('HTTL', 'mykey', 'FIELDS', '2', 'field1', 'field2').reply).toEqual([60, 60]);
    expect(run('HSETEX', 'mykey', 'FNX', 'EX', '60', 'FIELDS', '2', 'field1', 'a', 'field3', 'b').reply).toBe(0);
    expect(run('HSETEX', 'mykey', 'FXX', 'FIELDS', '2', 'field1', 'a', 'field3', 'b').reply).toBe(0);
    expect(run('HSETEX', 'mykey', 'FXX', 'KEEPTTL', 'FIELDS', '1', 'field1', 'kept').reply).toBe(1);
    expect(run('HTTL', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([60]);
    expect(run('HSETEX', 'mykey', 'FIELDS', '1', 'field1', 'plain').reply).toBe(1);
    expect(run('HTTL', 'mykey', 'FIELDS', '1', 'field1').reply).toEqual([-1]);
    expect(run('HSETEX', 'nosuch', 'FXX', 'FIELDS', '1', 'a', 'b').reply).toBe(0);
    expect(engine.db.data.has('nosuch')).toBe(false);
    const past = run('HSETEX', 'other', 'PX', '0', 'FIELDS', '1', 'a', 'b');
    expect(past.reply).toBe(1);
    expect(past.effects).toEqual([['HDEL', 'other', 'a']]);
    expect(engine.db.data.has('other')).toBe(false);
  });

  it('HSET drops a field TTL; HINCRBY and HINCRBYFLOAT keep it (replicated with KEEPTTL)', () => {
    const { engine } = session();
    const run = (...argv: string[]) => engine.execute(argv, T0);
    run('HSET', 'h', 'n', '1', 'f', '1.5');
    run('HEXPIRE', 'h', '100', 'FIELDS', '2', 'n', 'f');
    expect(run('HINCRBY', 'h', 'n', '2').reply).toBe(3);
    const float = run('HINCRBYFLOAT', 'h', 'f', '1');
    expect(float.reply).toBe('2.5');
    expect(float.effects).toEqual([['HSETEX', 'h', 'KEEPTTL', 'FIELDS', '1', 'f', '2.5']]);
    expect(run('HTTL', 'h', 'FIELDS', '2', 'n', 'f').reply).toEqual([100, 100]);
    run('HSET', 'h', 'n', '0');
    expect(run('HTTL', 'h', 'FIELDS', '1', 'n').reply).toEqual([-1]);
  });

  it('an expired field is deleted on access on the primary, only hidden on a replica', () => {
    const primary = new Engine({ role: 'primary', random: seededRandom(1) });
    const replica = new Engine({ role: 'replica', random: seededRandom(2) });
    const both = (argv: string[], nowMs: number) => {
      const { effects } = primary.execute(argv, nowMs);
      replica.applyEffects(effects, nowMs);
    };
    both(['HSET', 'h', 'a', '1', 'b', '2'], T0);
    both(['HPEXPIRE', 'h', '100', 'FIELDS', '1', 'a'], T0);
    const later = T0 + 100;
    expect(replica.execute(['HGETALL', 'h'], later).reply).toEqual(['b', '2']);
    expect(replica.execute(['HLEN', 'h'], later).reply).toBe(1);
    expect(replica.execute(['HGET', 'h', 'a'], later).reply).toBe(null);
    expect(replica.execute(['HTTL', 'h', 'FIELDS', '1', 'a'], later).reply).toEqual([-2]);
    expect(replica.execute(['HRANDFIELD', 'h', '-3'], later).reply).toEqual(['b', 'b', 'b']);
    expect(replica.db.data.size).toBe(1);
    const read = primary.execute(['HGET', 'h', 'a'], later);
    expect(read).toEqual({ reply: null, effects: [['HDEL', 'h', 'a']] });
    replica.applyEffects(read.effects, later);
    both(['HPEXPIRE', 'h', '10', 'FIELDS', '1', 'b'], later);
    const gone = primary.execute(['HLEN', 'h'], later + 10);
    expect(gone).toEqual({ reply: 0, effects: [['HDEL', 'h', 'b']] });
    expect(primary.db.data.has('h')).toBe(false);
    replica.applyEffects(gone.effects, later + 10);
    expect(replica.db.data.has('h')).toBe(false);
  });

  it('active expiry deletes expired fields of hashes nobody reads', () => {
    const engine = new Engine({ role: 'primary' });
    engine.execute(['HSET', 'h1', 'a', '1', 'b', '2'], T0);
    engine.execute(['HSET', 'h2', 'a', '1'], T0);
    engine.execute(['HPEXPIRE', 'h1', '50', 'FIELDS', '1', 'a'], T0);
    engine.execute(['HPEXPIRE', 'h2', '50', 'FIELDS', '1', 'a'], T0);
    expect(engine.activeExpire(T0 + 49, 20)).toEqual([]);
    const effects = engine.activeExpire(T0 + 50, 20);
    expect(effects).toEqual([
      ['HDEL', 'h1', 'a'],
      ['HDEL', 'h2', 'a'],
    ]);
    expect(engine.db.data.has('h2')).toBe(false);
    expect(engine.execute(['HGETALL', 'h1'], T0 + 50).reply).toEqual(['b', '2']);
  });

  it('active expiry finds hashes with field TTLs it was never told about (snapshot load)', () => {
    const source = new Engine({ role: 'primary' });
    source.execute(['HSET', 'h', 'a', '1', 'b', '2'], T0);
    source.execute(['HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a'], T0);
    const target = new Engine({ role: 'primary' });
    const loaded = new Map(source.db.data.entries());
    for (const [key, value] of loaded) target.db.data.set(key, value);
    const effects = [...target.activeExpire(T0 + 20, 10), ...target.activeExpire(T0 + 20, 10)];
    expect(effects).toEqual([['HDEL', 'h', 'a']]);
  });

  it('field TTLs survive a snapshot and still expire after loading it', () => {
    const source = new Engine({ role: 'primary' });
    source.execute(['HSET', 'h', 'a', '1', 'b', '2'], T0);
    source.execute(['HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a'], T0);
    const target = new Engine({ role: 'primary' });
    for (const entry of dumpKeyspace(source.db)) loadSnapshotEntry(target.db, JSON.parse(JSON.stringify(entry)));
    expect(target.execute(['HPEXPIRETIME', 'h', 'FIELDS', '2', 'a', 'b'], T0).reply).toEqual([T0 + 10, -1]);
    expect(target.execute(['HGETALL', 'h'], T0 + 10)).toEqual({ reply: ['b', '2'], effects: [['HDEL', 'h', 'a']] });
  });
});
