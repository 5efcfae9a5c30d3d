import { describe, expect, it } from 'vitest';
import { commandKeys, Engine, findCommand, type Reply, ReplyError, SimpleString } from '@meridian/engine';

const NOW_MS = 1_700_000_000_000;

function session(): { run: (...argv: string[]) => Reply; engine: Engine } {
  const engine = new Engine({ role: 'primary' });
  return { engine, run: (...argv) => engine.execute(argv, NOW_MS).reply };
}

const OK = new SimpleString('OK');
const WRONGTYPE = new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INTEGER = new ReplyError('ERR value is not an integer or out of range');

describe('strings: documented examples', () => {
  it('GET, SET, SETNX, SETEX, PSETEX, GETSET, GETDEL', () => {
    const { run, engine } = session();
    expect(run('GET', 'nonexisting')).toBeNull();
    expect(run('SET', 'mykey', 'Hello')).toEqual(OK);
    expect(run('GET', 'mykey')).toBe('Hello');
    expect(run('SET', 'anotherkey', 'will expire in a minute', 'EX', '60')).toEqual(OK);
    expect(engine.db.expiresAtMs.get('anotherkey')).toBe(NOW_MS + 60_000);
    expect(run('SETNX', 'nxkey', 'Hello')).toBe(1);
    expect(run('SETNX', 'nxkey', 'World')).toBe(0);
    expect(run('GET', 'nxkey')).toBe('Hello');
    expect(run('SETEX', 'exkey', '10', 'Hello')).toEqual(OK);
    expect(engine.db.expiresAtMs.get('exkey')).toBe(NOW_MS + 10_000);
    expect(run('PSETEX', 'pxkey', '1000', 'Hello')).toEqual(OK);
    expect(engine.db.expiresAtMs.get('pxkey')).toBe(NOW_MS + 1000);
    expect(run('INCR', 'mycounter')).toBe(1);
    expect(run('GETSET', 'mycounter', '0')).toBe('1');
    expect(run('GET', 'mycounter')).toBe('0');
    expect(run('GETSET', 'exkey', 'World')).toBe('Hello');
    expect(engine.db.expiresAtMs.has('exkey')).toBe(false);
    expect(run('GETDEL', 'mykey')).toBe('Hello');
    expect(run('GET', 'mykey')).toBeNull();
  });

  it('SET options: NX, XX, GET, KEEPTTL, and the order errors are found in', () => {
    const { run, engine } = session();
    expect(run('SET', 'k', 'v1', 'XX')).toBeNull();
    expect(run('SET', 'k', 'v1', 'NX', 'PX', '500')).toEqual(OK);
    expect(run('SET', 'k', 'v2', 'NX', 'GET')).toBe('v1');
    expect(run('SET', 'k', 'v2', 'XX', 'GET', 'KEEPTTL')).toBe('v1');
    expect(engine.db.expiresAtMs.get('k')).toBe(NOW_MS + 500);
    expect(run('SET', 'k', 'v3', 'EX', '10', 'EX', '20')).toEqual(OK);
    expect(engine.db.expiresAtMs.get('k')).toBe(NOW_MS + 20_000);
    expect(run('SET', 'k', 'v3', 'EX', '10', 'PX', '20')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('SET', 'k', 'v3', 'KEEPTTL', 'EX', '1')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('SET', 'k', 'v3', 'EX', '0')).toEqual(new ReplyError("ERR invalid expire time in 'set' command"));
    expect(run('SET', 'k', 'v3', 'PX', '9223372036854775807')).toEqual(
      new ReplyError("ERR invalid expire time in 'set' command"),
    );
    expect(run('SET', 'k', 'v3', 'EXAT', '1')).toEqual(OK);
    expect(engine.db.data.has('k')).toBe(false);
    if (findCommand('lpush') !== undefined) {
      run('LPUSH', 'list', 'x');
      expect(run('SET', 'list', 'v', 'GET')).toEqual(WRONGTYPE);
    }
  });

  it('GETEX sets, replaces and removes the TTL', () => {
    const { run, engine } = session();
    run('SET', 'mykey', 'Hello');
    expect(run('GETEX', 'mykey')).toBe('Hello');
    expect(engine.db.expiresAtMs.has('mykey')).toBe(false);
    expect(run('GETEX', 'mykey', 'EX', '60')).toBe('Hello');
    expect(engine.db.expiresAtMs.get('mykey')).toBe(NOW_MS + 60_000);
    expect(run('GETEX', 'mykey', 'PXAT', String(NOW_MS + 5))).toBe('Hello');
    expect(engine.db.expiresAtMs.get('mykey')).toBe(NOW_MS + 5);
    expect(run('GETEX', 'mykey', 'PERSIST')).toBe('Hello');
    expect(engine.db.expiresAtMs.has('mykey')).toBe(false);
    expect(run('GETEX', 'mykey', 'EX', '0')).toEqual(new ReplyError("ERR invalid expire time in 'getex' command"));
    expect(run('GETEX', 'nokey', 'EX', '0')).toBeNull();
    expect(run('GETEX', 'mykey', 'KEEPTTL')).toEqual(new ReplyError('ERR syntax error'));
    expect(run('GETEX', 'mykey', 'EXAT', '1')).toBe('Hello');
    expect(engine.db.data.has('mykey')).toBe(false);
  });

  it('MGET, MSET, MSETNX', () => {
    const { run } = session();
    expect(run('MSET', 'key1', 'Hello', 'key2', 'World')).toEqual(OK);
    expect(run('MGET', 'key1', 'key2', 'nonexisting')).toEqual(['Hello', 'World', null]);
    expect(run('MSETNX', 'key3', 'Hello', 'key4', 'there')).toBe(1);
    expect(run('MSETNX', 'key4', 'new', 'key5', 'world')).toBe(0);
    expect(run('MGET', 'key3', 'key4', 'key5')).toEqual(['Hello', 'there', null]);
    expect(run('MSET', 'key1', 'a', 'key2')).toEqual(
      new ReplyError("ERR wrong number of arguments for 'mset' command"),
    );
    expect(run('MSET', 'dup', '1', 'dup', '2')).toEqual(OK);
    expect(run('GET', 'dup')).toBe('2');
  });

  it('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', () => {
    const { run } = session();
    expect(run('APPEND', 'mykey', 'Hello')).toBe(5);
    expect(run('APPEND', 'mykey', ' World')).toBe(11);
    expect(run('GET', 'mykey')).toBe('Hello World');
    expect(run('STRLEN', 'mykey')).toBe(11);
    expect(run('STRLEN', 'nonexisting')).toBe(0);
    run('SET', 'text', 'This is a string');
    expect(run('GETRANGE', 'text', '0', '3')).toBe('This');
    expect(run('GETRANGE', 'text', '-3', '-1')).toBe('ing');
    expect(run('GETRANGE', 'text', '0', '-1')).toBe('This is a string');
    expect(run('GETRANGE', 'text', '10', '100')).toBe('string');
    expect(run('SUBSTR', 'text', '5', '6')).toBe('is');
    run('SET', 'key1', 'Hello World');
    expect(run('SETRANGE', 'key1', '6', 'Redis')).toBe(11);
    expect(run('GET', 'key1')).toBe('Hello Redis');
    expect(run('SETRANGE', 'key2', '6', 'Redis')).toBe(11);
    expect(run('GET', 'key2')).toBe('\0\0\0\0\0\0Redis');
    expect(run('SETRANGE', 'key2', '-1', 'x')).toEqual(new ReplyError('ERR offset is out of range'));
    expect(run('SETRANGE', 'key2', '536870911', 'xx')).toEqual(
      new ReplyError('ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
    );
  });

  it('INCR, DECR, INCRBY, DECRBY with 64-bit limits', () => {
    const { run } = session();
    run('SET', 'mykey', '10');
    expect(run('INCR', 'mykey')).toBe(11);
    expect(run('GET', 'mykey')).toBe('11');
    expect(run('DECR', 'mykey')).toBe(10);
    expect(run('INCRBY', 'mykey', '5')).toBe(15);
    expect(run('DECRBY', 'mykey', '3')).toBe(12);
    run('SET', 'huge', '234293482390480948029348230948');
    expect(run('DECR', 'huge')).toEqual(NOT_INTEGER);
    run('SET', 'max', '9223372036854775806');
    expect(run('INCR', 'max')).toBe(9223372036854775807n);
    expect(run('INCR', 'max')).toEqual(new ReplyError('ERR increment or decrement would overflow'));
    expect(run('DECRBY', 'x', '-9223372036854775808')).toEqual(new ReplyError('ERR decrement would overflow'));
    expect(run('INCRBY', 'x', '9223372036854775808')).toEqual(NOT_INTEGER);
    expect(run('INCRBY', 'y', '-9007199254740993')).toBe(-9007199254740993n);
  });

  it('INCRBYFLOAT in long double precision, keeping the TTL', () => {
    const { run, engine } = session();
    run('SET', 'mykey', '10.50', 'EX', '100');
    expect(run('INCRBYFLOAT', 'mykey', '0.1')).toBe('10.6');
    expect(run('INCRBYFLOAT', 'mykey', '-5')).toBe('5.6');
    expect(engine.db.expiresAtMs.get('mykey')).toBe(NOW_MS + 100_000);
    run('SET', 'mykey', '5.0e3');
    expect(run('INCRBYFLOAT', 'mykey', '2.0e2')).toBe('5200');
    expect(run('INCRBYFLOAT', 'sum', '0.1')).toBe('0.1');
    expect(run('INCRBYFLOAT', 'sum', '0.2')).toBe('0.3');
    expect(run('INCRBYFLOAT', 'sum', 'x')).toEqual(new ReplyError('ERR value is not a valid float'));
    expect(run('INCRBYFLOAT', 'sum', 'inf')).toEqual(new ReplyError('ERR increment would produce NaN or Infinity'));
    expect(run('INCRBYFLOAT', 'sum', '1e5000')).toEqual(new ReplyError('ERR value is not a valid float'));
    const big = run('INCRBYFLOAT', 'big', '1e4000') as string;
    expect(big).toHaveLength(4000);
    expect(big.startsWith('99999999999999999999654638730996')).toBe(true);
  });

  it('SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP', () => {
    const { run } = session();
    expect(run('SETBIT', 'mykey', '7', '1')).toBe(0);
    expect(run('SETBIT', 'mykey', '7', '0')).toBe(1);
    expect(run('GET', 'mykey')).toBe('\0');
    expect(run('SETBIT', 'bits', '7', '1')).toBe(0);
    expect(run('GETBIT', 'bits', '0')).toBe(0);
    expect(run('GETBIT', 'bits', '7')).toBe(1);
    expect(run('GETBIT', 'bits', '100')).toBe(0);
    expect(run('SETBIT', 'bits', '4294967296', '1')).toEqual(
      new ReplyError('ERR bit offset is not an integer or out of range'),
    );
    expect(run('SETBIT', 'bits', '0', '2')).toEqual(new ReplyError('ERR bit is not an integer or out of range'));
    run('SET', 'foo', 'foobar');
    expect(run('BITCOUNT', 'foo')).toBe(26);
    expect(run('BITCOUNT', 'foo', '0', '0')).toBe(4);
    expect(run('BITCOUNT', 'foo', '1', '1')).toBe(6);
    expect(run('BITCOUNT', 'foo', '1', '1', 'BYTE')).toBe(6);
    expect(run('BITCOUNT', 'foo', '5', '30', 'BIT')).toBe(17);
    run('SET', 'pos', '\u00ff\u00f0\u0000');
    expect(run('BITPOS', 'pos', '0')).toBe(12);
    run('SET', 'pos', '\u0000\u00ff\u00f0');
    expect(run('BITPOS', 'pos', '1', '0')).toBe(8);
    expect(run('BITPOS', 'pos', '1', '2')).toBe(16);
    expect(run('BITPOS', 'pos', '1', '2', '-1', 'BYTE')).toBe(16);
    expect(run('BITPOS', 'pos', '1', '7', '15', 'BIT')).toBe(8);
    run('SET', 'pos', '\u0000\u0000\u0000');
    expect(run('BITPOS', 'pos', '1')).toBe(-1);
    expect(run('BITPOS', 'pos', '1', '7', '-3', 'BIT')).toBe(-1);
    run('SET', 'key1', 'foobar');
    run('SET', 'key2', 'abcdef');
    expect(run('BITOP', 'AND', 'dest', 'key1', 'key2')).toBe(6);
    expect(run('GET', 'dest')).toBe('`bc`ab');
    expect(run('BITOP', 'NOT', 'dest', 'key1', 'key2')).toEqual(
      new ReplyError('ERR BITOP NOT must be called with a single source key.'),
    );
  });

  it('BITFIELD and BITFIELD_RO', () => {
    const { run } = session();
    expect(run('BITFIELD', 'mykey', 'INCRBY', 'i5', '100', '1', 'GET', 'u4', '0')).toEqual([1, 0]);
    const overflow = ['INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'];
    expect(run('BITFIELD', 'ov', ...overflow)).toEqual([1, 1]);
    expect(run('BITFIELD', 'ov', ...overflow)).toEqual([2, 2]);
    expect(run('BITFIELD', 'ov', ...overflow)).toEqual([3, 3]);
    expect(run('BITFIELD', 'ov', ...overflow)).toEqual([0, 3]);
    expect(run('BITFIELD', 'ov', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '1')).toEqual([null]);
    expect(run('BITFIELD', 'wide', 'SET', 'i64', '0', '-2', 'GET', 'u63', '0', 'GET', 'i64', '0')).toEqual([
      0,
      9223372036854775807n,
      -2,
    ]);
    expect(run('BITFIELD', 'hash', 'SET', 'u8', '#1', '200', 'GET', 'u8', '8')).toEqual([0, 200]);
    expect(run('BITFIELD_RO', 'hash', 'GET', 'u8', '#1')).toEqual([200]);
    expect(run('BITFIELD_RO', 'hash', 'SET', 'u8', '0', '1')).toEqual(
      new ReplyError('ERR BITFIELD_RO only supports the GET subcommand'),
    );
    expect(run('BITFIELD', 'hash', 'GET', 'u64', '0')).toEqual(
      new ReplyError(
        'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
      ),
    );
  });

  it('LCS with LEN, IDX, MINMATCHLEN and WITHMATCHLEN', () => {
    const { run } = session();
    run('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext');
    expect(run('LCS', 'key1', 'key2')).toBe('mytext');
    expect(run('LCS', 'key1', 'key2', 'LEN')).toBe(6);
    expect(run('LCS', 'key1', 'key2', 'IDX')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      'len',
      6,
    ]);
    expect(run('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual([
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ]);
    expect(run('LCS', 'key1', 'key2', 'LEN', 'IDX')).toEqual(
      new ReplyError('ERR If you want both the length and indexes, please just use IDX.'),
    );
  });
});

describe('strings: command table', () => {
  it('declares arity, flags and key positions as Redis does', () => {
    const expectations: [string, number, 'write' | 'readonly'][] = [
      ['get', 2, 'readonly'],
      ['set', -3, 'write'],
      ['setnx', 3, 'write'],
      ['setex', 4, 'write'],
      ['psetex', 4, 'write'],
      ['getset', 3, 'write'],
      ['getdel', 2, 'write'],
      ['getex', -2, 'write'],
      ['mget', -2, 'readonly'],
      ['mset', -3, 'write'],
      ['msetnx', -3, 'write'],
      ['append', 3, 'write'],
      ['strlen', 2, 'readonly'],
      ['getrange', 4, 'readonly'],
      ['substr', 4, 'readonly'],
      ['setrange', 4, 'write'],
      ['incr', 2, 'write'],
      ['decr', 2, 'write'],
      ['incrby', 3, 'write'],
      ['decrby', 3, 'write'],
      ['incrbyfloat', 3, 'write'],
      ['setbit', 4, 'write'],
      ['getbit', 3, 'readonly'],
      ['bitcount', -2, 'readonly'],
      ['bitpos', -3, 'readonly'],
      ['bitop', -4, 'write'],
      ['bitfield', -2, 'write'],
      ['bitfield_ro', -2, 'readonly'],
      ['lcs', -3, 'readonly'],
    ];
    for (const [name, arity, flag] of expectations) {
      const info = findCommand(name);
      expect(info?.arity, name).toBe(arity);
      expect(info?.flags, name).toContain(flag);
    }
    const keysOf = (...argv: string[]) => commandKeys(findCommand(argv[0] as string)!, argv);
    expect(keysOf('MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(keysOf('MGET', 'a', 'b', 'c')).toEqual(['a', 'b', 'c']);
    expect(keysOf('BITOP', 'AND', 'd', 'a', 'b')).toEqual(['d', 'a', 'b']);
    expect(keysOf('LCS', 'a', 'b', 'IDX')).toEqual(['a', 'b']);
    expect(keysOf('SETEX', 'a', '10', 'v')).toEqual(['a']);
  });
});

describe('strings: large values', () => {
  it('edits a megabyte value correctly and without per-byte rebuilding', () => {
    const { run } = session();
    const size = 1024 * 1024;
    expect(run('SETRANGE', 'big', String(size - 1), 'x')).toBe(size);
    const started = performance.now();
    for (let i = 0; i < 100; i++) {
      run('SETRANGE', 'big', String(i * 4096 + 1), 'abc');
      run('SETBIT', 'big', String(i * 8192 + 3), '1');
    }
    // Each edit costs one copy of the value (JS strings are immutable); far below a byte-by-byte rebuild.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(run('STRLEN', 'big')).toBe(size);
    expect(run('GETRANGE', 'big', '4097', '4099')).toBe('abc');
    expect(run('GETBIT', 'big', String(8192 + 3))).toBe(1);
    expect(run('BITCOUNT', 'big', '-1', '-1')).toBe(4);
    expect(run('APPEND', 'big', 'tail')).toBe(size + 4);
    expect(run('GETRANGE', 'big', '-5', '-1')).toBe('xtail');
  });
});
