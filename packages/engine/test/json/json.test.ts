import { describe, expect, it } from 'vitest';
import { digestKeyspace, dumpKeyspace, Engine, loadSnapshotEntry, type Reply, ReplyError } from '@meridian/engine';

function engine(): (...argv: string[]) => Reply {
  const e = new Engine({ role: 'primary' });
  return (...argv) => e.execute(argv, 1000).reply;
}

/** Arguments reach the engine as byte strings: UTF-8 text, one character per byte. */
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const DOC = utf8('{"a":1,"b":{"c":"x","d":[1,2,3]},"t":true,"s":"héllo"}');
const message = (reply: Reply): string =>
  reply instanceof ReplyError ? reply.message : `not an error: ${String(reply)}`;

describe('JSON: a key type of its own', () => {
  it('TYPE answers ReJSON-RL; other commands get WRONGTYPE; DEL, EXPIRE, RENAME and COPY work on it', () => {
    const run = engine();
    expect(run('JSON.SET', 'doc', '$', DOC)).toMatchObject({ value: 'OK' });
    expect(run('TYPE', 'doc')).toMatchObject({ value: 'ReJSON-RL' });
    expect(message(run('GET', 'doc'))).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(message(run('JSON.GET', 'str'))).toBe('not an error: null');
    run('SET', 'str', 'v');
    expect(message(run('JSON.GET', 'str'))).toContain('WRONGTYPE');
    expect(run('EXPIRE', 'doc', '100')).toBe(1);
    expect(run('RENAME', 'doc', 'doc2')).toMatchObject({ value: 'OK' });
    expect(run('COPY', 'doc2', 'doc3')).toBe(1);
    run('JSON.SET', 'doc3', '$.a', '2');
    expect(run('JSON.GET', 'doc2', '$.a')).toBe('[1]');
    expect(run('JSON.GET', 'doc3', '$.a')).toBe('[2]');
    expect(run('DEL', 'doc2', 'doc3')).toBe(2);
  });
});

describe('JSON commands, with `$` JSONPath (arrays of answers) and legacy paths (one answer)', () => {
  it('JSON.SET / GET / MGET / MSET, NX and XX, formatting', () => {
    const run = engine();
    expect(message(run('JSON.SET', 'doc', '.a', '1'))).toBe('ERR new objects must be created at the root');
    expect(run('JSON.SET', 'doc', '.', DOC)).toMatchObject({ value: 'OK' });
    expect(run('JSON.SET', 'doc', '$', '{}', 'NX')).toBeNull();
    expect(run('JSON.SET', 'doc', '$.new', '"n"', 'XX')).toBeNull();
    expect(run('JSON.SET', 'doc', '$.new', '"n"', 'NX')).toMatchObject({ value: 'OK' });
    expect(run('JSON.SET', 'doc', 'b.c', '"y"')).toMatchObject({ value: 'OK' });
    expect(run('JSON.GET', 'doc', '$.b.c')).toBe('["y"]');
    expect(run('JSON.GET', 'doc', '.b.c')).toBe('"y"');
    expect(run('JSON.GET', 'doc', 'b.d[1]')).toBe('2');
    expect(run('JSON.GET', 'doc', '$..d[-1]')).toBe('[3]');
    expect(run('JSON.GET', 'doc', '$.b.d[0:2]')).toBe('[1,2]');
    expect(run('JSON.GET', 'doc', '$.b.d[?(@>1)]')).toBe('[2,3]');
    expect(run('JSON.GET', 'doc', '$.missing')).toBe('[]');
    expect(message(run('JSON.GET', 'doc', '.missing'))).toBe("ERR Path '.missing' does not exist");
    expect(run('JSON.GET', 'doc', '.a', '.t')).toBe('{".a":1,".t":true}');
    expect(run('JSON.GET', 'doc', '$.a', '.t')).toBe('{"$.a":[1],".t":[true]}');
    expect(run('JSON.GET', 'doc', 'INDENT', '\t', 'NEWLINE', '\n', 'SPACE', ' ', '$.b.d')).toBe(
      '[\n\t[\n\t\t1,\n\t\t2,\n\t\t3\n\t]\n]',
    );
    expect(run('JSON.MSET', 'm1', '$', '{"x":1}', 'm2', '$', '{"x":2}')).toMatchObject({ value: 'OK' });
    expect(run('JSON.MGET', 'm1', 'm2', 'nope', '$.x')).toEqual(['[1]', '[2]', null]);
    expect(run('JSON.MGET', 'm1', 'm2', '.x')).toEqual(['1', '2']);
    expect(run('JSON.MSET', 'm1', '.x', '10', 'm2', 'x', '20')).toMatchObject({ value: 'OK' });
    expect(run('JSON.MGET', 'm1', 'm2', '.x')).toEqual(['10', '20']);
    expect(message(run('JSON.MSET', 'fresh', '.x', '1'))).toBe('ERR new objects must be created at the root');
    expect(run('JSON.GET', 'doc', '$.s')).toBe(utf8('["héllo"]'));
    expect(run('JSON.STRLEN', 'doc', '.s')).toBe(6);
  });

  it('JSON.DEL / FORGET / CLEAR / TYPE / TOGGLE', () => {
    const run = engine();
    run('JSON.SET', 'doc', '$', DOC);
    expect(run('JSON.TYPE', 'doc', '$.b.*')).toEqual(['string', 'array']);
    expect(run('JSON.TYPE', 'doc', '.a')).toBe('integer');
    expect(run('JSON.TYPE', 'doc')).toBe('object');
    expect(run('JSON.TOGGLE', 'doc', '$.t')).toEqual([0]);
    expect(run('JSON.TOGGLE', 'doc', '.t')).toBe('true');
    expect(run('JSON.TOGGLE', 'doc', '$.a')).toEqual([null]);
    expect(message(run('JSON.TOGGLE', 'doc', '.a'))).toContain('expected boolean but found integer');
    expect(run('JSON.CLEAR', 'doc', '.a')).toBe(1);
    expect(run('JSON.GET', 'doc', '.a')).toBe('0');
    expect(run('JSON.CLEAR', 'doc', '$.b.d')).toBe(1);
    expect(run('JSON.GET', 'doc', '$.b.d')).toBe('[[]]');
    expect(run('JSON.DEL', 'doc', '$.b.c')).toBe(1);
    expect(run('JSON.FORGET', 'doc', '.t')).toBe(1);
    expect(run('JSON.DEL', 'doc', '$.nothing')).toBe(0);
    expect(run('JSON.GET', 'doc', '$')).toBe(utf8('[{"a":0,"b":{"d":[]},"s":"héllo"}]'));
    expect(run('JSON.DEL', 'doc')).toBe(1);
    expect(run('EXISTS', 'doc')).toBe(0);
  });

  it('JSON.NUMINCRBY / NUMMULTBY / STRAPPEND / STRLEN', () => {
    const run = engine();
    run('JSON.SET', 'doc', '$', '{"n":1,"f":1.5,"s":"ab","o":{"n":2}}');
    expect(run('JSON.NUMINCRBY', 'doc', '$..n', '2')).toBe('[3,4]');
    expect(run('JSON.NUMINCRBY', 'doc', '.f', '1')).toBe('2.5');
    // A float that becomes whole prints as an integer here (RedisJSON would print 5.0): docs/compatibility.md.
    expect(run('JSON.NUMMULTBY', 'doc', '$.f', '2')).toBe('[5]');
    expect(run('JSON.NUMMULTBY', 'doc', '$.f', '0.5')).toBe('[2.5]');
    expect(run('JSON.NUMMULTBY', 'doc', '.o.n', '3')).toBe('12');
    expect(run('JSON.NUMINCRBY', 'doc', '$.s', '1')).toBe('[null]');
    expect(message(run('JSON.NUMINCRBY', 'doc', '.s', '1'))).toContain('expected number but found string');
    expect(run('JSON.STRAPPEND', 'doc', '$.s', '"cd"')).toEqual([4]);
    expect(run('JSON.STRAPPEND', 'doc', '.s', '"e"')).toBe(5);
    expect(run('JSON.STRLEN', 'doc', '$.s')).toEqual([5]);
    expect(run('JSON.STRLEN', 'doc', '.s')).toBe(5);
    expect(run('JSON.STRLEN', 'doc', '$.n')).toEqual([null]);
    expect(run('JSON.STRLEN', 'missing', '$')).toBeNull();
  });

  it('JSON.OBJKEYS / OBJLEN / ARRAPPEND / ARRINDEX / ARRINSERT / ARRLEN / ARRPOP / ARRTRIM / RESP', () => {
    const run = engine();
    run('JSON.SET', 'doc', '$', '{"arr":[1,2,3],"o":{"x":1,"y":[true]},"n":null}');
    expect(run('JSON.OBJKEYS', 'doc', '$.o')).toEqual([['x', 'y']]);
    expect(run('JSON.OBJKEYS', 'doc')).toEqual(['arr', 'o', 'n']);
    expect(run('JSON.OBJLEN', 'doc', '$.o')).toEqual([2]);
    expect(run('JSON.OBJLEN', 'doc', '.')).toBe(3);
    expect(run('JSON.ARRAPPEND', 'doc', '$.arr', '4', '"five"')).toEqual([5]);
    expect(run('JSON.ARRAPPEND', 'doc', '.o.y', 'false')).toBe(2);
    expect(run('JSON.ARRINDEX', 'doc', '$.arr', '"five"')).toEqual([4]);
    expect(run('JSON.ARRINDEX', 'doc', '.arr', '3')).toBe(2);
    expect(run('JSON.ARRINDEX', 'doc', '.arr', '9')).toBe(-1);
    expect(run('JSON.ARRINSERT', 'doc', '$.arr', '0', '0')).toEqual([6]);
    expect(run('JSON.ARRINSERT', 'doc', '.arr', '-1', '"x"')).toBe(7);
    expect(run('JSON.ARRLEN', 'doc', '$.*')).toEqual([7, null, null]);
    expect(run('JSON.ARRLEN', 'doc', '$.o.*')).toEqual([null, 2]);
    expect(run('JSON.ARRLEN', 'doc', '.arr')).toBe(7);
    expect(run('JSON.ARRPOP', 'doc', '$.arr')).toEqual(['"five"']);
    expect(run('JSON.ARRPOP', 'doc', '.arr', '0')).toBe('0');
    expect(run('JSON.ARRTRIM', 'doc', '$.arr', '1', '2')).toEqual([2]);
    expect(run('JSON.GET', 'doc', '.arr')).toBe('[2,3]');
    expect(run('JSON.ARRTRIM', 'doc', '.arr', '5', '9')).toBe(0);
    expect(run('JSON.RESP', 'doc', '.o')).toEqual(['{', 'x', 1, 'y', ['[', 'true', 'false']]);
    expect(run('JSON.RESP', 'doc', '$.n')).toEqual([null]);
  });

  it('JSON.MERGE is RFC 7396: objects merged, null deletes, anything else replaces', () => {
    const run = engine();
    run('JSON.SET', 'doc', '$', '{"a":{"b":1,"c":2},"d":[1]}');
    expect(run('JSON.MERGE', 'doc', '$', '{"a":{"b":null,"e":3},"d":[2],"f":"g"}')).toMatchObject({ value: 'OK' });
    expect(run('JSON.GET', 'doc')).toBe('{"a":{"c":2,"e":3},"d":[2],"f":"g"}');
    expect(run('JSON.MERGE', 'doc', '$.a', '{"c":null}')).toMatchObject({ value: 'OK' });
    expect(run('JSON.GET', 'doc', '.a')).toBe('{"e":3}');
    expect(run('JSON.MERGE', 'doc', '.a', '{"e":4}')).toMatchObject({ value: 'OK' });
    expect(run('JSON.GET', 'doc', '.a.e')).toBe('4');
    expect(message(run('JSON.MERGE', 'doc', '.no.such', '{"e":4}'))).toBe("ERR Path '.no.such' does not exist");
    expect(run('JSON.MERGE', 'new', '$', '{"x":1}')).toMatchObject({ value: 'OK' });
    expect(run('JSON.GET', 'new')).toBe('{"x":1}');
  });

  it('bad input gets clear errors', () => {
    const run = engine();
    expect(message(run('JSON.SET', 'doc', '$', '{bad'))).toMatch(/^ERR expected value/);
    expect(message(run('JSON.SET', 'doc', '$'))).toBe("ERR wrong number of arguments for 'json.set' command");
    run('JSON.SET', 'doc', '$', '{}');
    expect(message(run('JSON.GET', 'doc', '$[?(@.a ~~ 1)]'))).toMatch(/^ERR JSON path syntax error/);
    expect(message(run('JSON.NUMINCRBY', 'doc', '$.a', '"x"'))).toBe('ERR expected a number');
  });
});

describe('JSON replicates and snapshots deterministically', () => {
  it('a replica applying the effects, and a snapshot round-trip, hold the same keyspace', () => {
    const primary = new Engine({ role: 'primary' });
    const replica = new Engine({ role: 'replica' });
    const commands = [
      ['JSON.SET', 'doc', '$', DOC],
      ['JSON.NUMINCRBY', 'doc', '$..a', '1'],
      ['JSON.ARRAPPEND', 'doc', '$.b.d', '4'],
      ['JSON.MERGE', 'doc', '$', '{"z":1}'],
      ['JSON.DEL', 'doc', '$.t'],
      ['JSON.SET', 'gone', '$', '1'],
      ['JSON.DEL', 'gone'],
      ['JSON.MSET', 'm', '$', '[1,2]', 'doc', '$.b.c', '"q"'],
    ];
    for (const argv of commands) {
      const { effects } = primary.execute(argv, 1000);
      if (effects.length > 0) replica.applyEffects(effects, 1000);
    }
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
    const restored = new Engine({ role: 'replica' });
    for (const entry of dumpKeyspace(primary.db)) loadSnapshotEntry(restored.db, entry);
    expect(digestKeyspace(restored.db)).toBe(digestKeyspace(primary.db));
    expect(restored.execute(['JSON.GET', 'doc', '.b'], 1000).reply).toBe('{"c":"q","d":[1,2,3,4]}');
  });
});
