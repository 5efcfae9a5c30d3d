import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digestKeyspace, Engine, findCommand, type Reply, ReplyError, SimpleString } from '@meridian/engine';
import { HashValue } from '../../src/types/hash.js';
import { StreamValue } from '../../src/types/stream.js';
import { cloneValue } from '../../src/commands/keys/clone.js';
import { runWithReplica, seededRandom } from '../../../../test/support/replay.js';

const T0 = 1_700_000_000_000;

function engineAt(role: 'primary' | 'replica' = 'primary'): {
  run: (argv: string[], atMs?: number) => Reply;
  engine: Engine;
} {
  const engine = new Engine({ role, random: seededRandom(7) });
  return { engine, run: (argv, atMs = T0) => engine.execute(argv, atMs).reply };
}

describe('keys: expiry commands', () => {
  it('replicates relative TTLs as absolute PEXPIREAT, without the condition flags', () => {
    const { engine } = engineAt();
    engine.execute(['SET', 'k', 'v'], T0);
    expect(engine.execute(['EXPIRE', 'k', '10', 'NX'], T0).effects).toEqual([['PEXPIREAT', 'k', String(T0 + 10_000)]]);
    expect(engine.execute(['PEXPIRE', 'k', '20000', 'GT'], T0).effects).toEqual([
      ['PEXPIREAT', 'k', String(T0 + 20_000)],
    ]);
    expect(engine.execute(['EXPIREAT', 'k', '1800000000'], T0).effects).toEqual([['PEXPIREAT', 'k', '1800000000000']]);
    expect(engine.execute(['TTL', 'k'], T0).reply).toBe(100_000_000);
    expect(engine.execute(['PTTL', 'k'], T0 + 1).reply).toBe(1_800_000_000_000 - T0 - 1);
    expect(engine.execute(['EXPIRETIME', 'k'], T0).reply).toBe(1_800_000_000);
    expect(engine.execute(['PEXPIRETIME', 'k'], T0).reply).toBe(1_800_000_000_000);
  });

  it('rounds TTL to the nearest second and never answers a negative time left', () => {
    const { run } = engineAt();
    run(['SET', 'k', 'v', 'PX', '1499']);
    expect(run(['TTL', 'k'])).toBe(1);
    expect(run(['TTL', 'k'], T0 - 2)).toBe(2);
  });

  it('deletes a key whose new TTL is already past, replicated as DEL', () => {
    const { engine } = engineAt();
    engine.execute(['SET', 'k', 'v'], T0);
    const result = engine.execute(['PEXPIREAT', 'k', String(T0)], T0);
    expect(result).toEqual({ reply: 1, effects: [['DEL', 'k']] });
    expect(engine.db.data.size).toBe(0);
  });

  it('applies a past PEXPIREAT on a replica without deleting, and hides the key from readers', () => {
    const { engine } = engineAt('replica');
    engine.applyEffects(
      [
        ['SET', 'k', 'v'],
        ['PEXPIREAT', 'k', '5'],
      ],
      T0,
    );
    expect(engine.db.data.has('k')).toBe(true);
    expect(engine.execute(['TTL', 'k'], T0).reply).toBe(-2);
    expect(engine.execute(['EXISTS', 'k'], T0).reply).toBe(0);
    expect(engine.execute(['KEYS', '*'], T0).reply).toEqual([]);
    expect(engine.execute(['RANDOMKEY'], T0).reply).toBe(null);
    expect(engine.execute(['DBSIZE'], T0).reply).toBe(1);
    expect(engine.db.data.has('k')).toBe(true);
  });

  it('PERSIST removes a TTL once and replicates only then', () => {
    const { engine } = engineAt();
    engine.execute(['SET', 'k', 'v', 'EX', '100'], T0);
    expect(engine.execute(['PERSIST', 'k'], T0)).toEqual({ reply: 1, effects: [['PERSIST', 'k']] });
    expect(engine.execute(['PERSIST', 'k'], T0)).toEqual({ reply: 0, effects: [] });
    expect(engine.execute(['TTL', 'k'], T0).reply).toBe(-1);
  });

  it('answers times beyond 2^53 ms as exact-width integers, clamped to int64', () => {
    const { run } = engineAt();
    run(['SET', 'k', 'v']);
    expect(run(['PEXPIREAT', 'k', '9223372036854775807'])).toBe(1);
    expect(run(['PEXPIRETIME', 'k'])).toBe(9223372036854775807n);
    expect(run(['EXPIRE', 'k', '9223372036854775'])).toEqual(
      new ReplyError("ERR invalid expire time in 'expire' command"),
    );
  });
});

describe('keys: lazy expiry in KEYS, SCAN, RANDOMKEY and DBSIZE', () => {
  it('skips expired keys and deletes them on the primary with DEL effects; DBSIZE counts them until then', () => {
    const { engine } = engineAt();
    engine.execute(['SET', 'gone', 'v', 'PX', '5'], T0);
    engine.execute(['SET', 'kept', 'v'], T0);
    expect(engine.execute(['DBSIZE'], T0 + 10).reply).toBe(2);
    const keys = engine.execute(['KEYS', '*'], T0 + 10);
    expect(keys).toEqual({ reply: ['kept'], effects: [['DEL', 'gone']] });
    engine.execute(['SET', 'gone2', 'v', 'PX', '5'], T0);
    const scan = engine.execute(['SCAN', '0', 'COUNT', '100'], T0 + 10);
    expect(scan).toEqual({ reply: ['0', ['kept']], effects: [['DEL', 'gone2']] });
    engine.execute(['SET', 'gone3', 'v', 'PX', '5'], T0);
    engine.execute(['DEL', 'kept'], T0);
    expect(engine.execute(['RANDOMKEY'], T0 + 10)).toEqual({ reply: null, effects: [['DEL', 'gone3']] });
  });

  it('RANDOMKEY returns a live key and, over many calls, each of them', () => {
    const { engine } = engineAt();
    for (const key of ['a', 'b', 'c']) engine.execute(['SET', key, 'v'], T0);
    engine.execute(['SET', 'old', 'v', 'PX', '1'], T0);
    const seen = new Set<Reply>();
    for (let i = 0; i < 200; i++) seen.add(engine.execute(['RANDOMKEY'], T0 + 5).reply);
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('keys: SCAN', () => {
  it('filters by MATCH and TYPE, and WITHTYPE answers key/type pairs', () => {
    const { run } = engineAt();
    run(['SET', 'str', 'v']);
    run(['SADD', 'set', 'm']);
    run(['HSET', 'hash', 'f', 'v']);
    expect(run(['SCAN', '0', 'TYPE', 'SET'])).toEqual(['0', ['set']]);
    expect(run(['SCAN', '0', 'MATCH', '*s*', 'WITHTYPE'])).toEqual([
      '0',
      ['str', 'string', 'set', 'set', 'hash', 'hash'],
    ]);
    expect(run(['SCAN', '0', 'TYPE', 'nosuch'])).toEqual(['0', []]);
  });

  it('returns every key present for a whole iteration while others are added and removed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 80 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 7 }),
        (stableCount, churn, count) => {
          const { run } = engineAt();
          const stable = Array.from({ length: stableCount }, (_, i) => `stable:${i}`);
          for (const key of stable) run(['SET', key, 'v']);
          for (let i = 0; i < 40; i++) run(['SET', `churn:${i}`, 'v']);
          const seen = new Set<string>();
          let cursor = '0';
          let step = 0;
          for (let calls = 0; calls < 10_000; calls++) {
            const [next, keys] = run(['SCAN', cursor, 'COUNT', String(count)]) as [string, string[]];
            for (const key of keys) seen.add(key);
            for (let i = 0; i < 3 && step < churn.length; i++, step++) {
              const [add, n] = churn[step] as [boolean, number];
              run(add ? ['SET', `churn:${n}`, 'v'] : ['DEL', `churn:${n}`]);
            }
            cursor = next;
            if (cursor === '0') break;
          }
          expect(cursor).toBe('0');
          for (const key of stable) expect(seen.has(key)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('keys: RENAME, COPY, UNLINK', () => {
  it('RENAME moves the TTL and replaces the destination; RENAMENX keeps an existing one', () => {
    const { engine, run } = engineAt();
    run(['SET', 'a', '1', 'PX', '5000']);
    run(['SADD', 'b', 'm']);
    expect(run(['RENAMENX', 'a', 'b'])).toBe(0);
    expect(engine.execute(['RENAME', 'a', 'b'], T0)).toEqual({
      reply: new SimpleString('OK'),
      effects: [['RENAME', 'a', 'b']],
    });
    expect(run(['GET', 'b'])).toBe('1');
    expect(run(['PTTL', 'b'])).toBe(5000);
    expect(run(['EXISTS', 'a'])).toBe(0);
    expect(run(['RENAME', 'a', 'c'])).toEqual(new ReplyError('ERR no such key'));
  });

  it('COPY of a key onto itself answers 0 (Upstash), and DB other than 0 is out of range', () => {
    const { engine, run } = engineAt();
    run(['SET', 'a', '1']);
    expect(engine.execute(['COPY', 'a', 'a'], T0)).toEqual({ reply: 0, effects: [] });
    expect(run(['COPY', 'a', 'b', 'DB', '1'])).toEqual(new ReplyError('ERR DB index is out of range'));
    expect(run(['COPY', 'a', 'b', 'DB', '0'])).toBe(1);
  });

  it('COPY makes deep copies of every type, hash field TTLs included', () => {
    const { engine, run } = engineAt();
    run(['RPUSH', 'list', 'a', 'b']);
    run(['SADD', 'set', 'a', 'b']);
    run(['ZADD', 'zset', '1', 'a', '2', 'b']);
    run(['HSET', 'hash', 'f', 'v', 'g', 'w']);
    run(['HPEXPIRE', 'hash', '5000', 'FIELDS', '1', 'f']);
    for (const key of ['list', 'set', 'zset', 'hash']) expect(run(['COPY', key, `${key}:copy`])).toBe(1);
    run(['RPUSH', 'list', 'c']);
    run(['SREM', 'set', 'a']);
    run(['ZADD', 'zset', '9', 'a']);
    run(['HSET', 'hash', 'f', 'changed']);
    expect(run(['LRANGE', 'list:copy', '0', '-1'])).toEqual(['a', 'b']);
    expect((run(['SMEMBERS', 'set:copy']) as string[]).sort()).toEqual(['a', 'b']);
    expect(run(['ZRANGE', 'zset:copy', '0', '-1', 'WITHSCORES'])).toEqual(['a', '1', 'b', '2']);
    expect(run(['HGET', 'hash:copy', 'f'])).toBe('v');
    const copied = engine.db.data.get('hash:copy') as HashValue;
    expect(copied.fieldExpiresAtMs.get('f')).toBe(T0 + 5000);
    expect(copied).not.toBe(engine.db.data.get('hash'));
  });

  it('COPY of a stream is independent of the original', () => {
    const { run } = engineAt();
    run(['XADD', 'stream', '1-1', 'f', 'v']);
    expect(run(['COPY', 'stream', 'stream:copy'])).toBe(1);
    run(['XADD', 'stream', '2-1', 'g', 'w']);
    expect(run(['XLEN', 'stream:copy'])).toBe(1);
    expect(run(['XRANGE', 'stream:copy', '-', '+'])).toEqual([['1-1', ['f', 'v']]]);
    expect(run(['TYPE', 'stream:copy'])).toEqual(new SimpleString('stream'));
  });

  it('cloneValue goes through dump/load for streams and shares nothing with the original', () => {
    const stream = new StreamValue();
    const copy = cloneValue(stream);
    expect(copy).toBeInstanceOf(StreamValue);
    expect(copy).not.toBe(stream);
    expect((copy as StreamValue).dump()).toEqual(stream.dump());
    expect(cloneValue('bytes\u00ff')).toBe('bytes\u00ff');
  });

  it('UNLINK with no keys answers 0, as Upstash does; with keys it deletes like DEL', () => {
    const { engine, run } = engineAt();
    expect(run(['UNLINK'])).toBe(0);
    run(['SET', 'a', '1']);
    expect(engine.execute(['UNLINK', 'a', 'b'], T0)).toEqual({ reply: 1, effects: [['DEL', 'a']] });
  });

  it('RENAME and COPY of hashes with field TTLs replicate faithfully', () => {
    const commands = [
      ['HSET', 'h', 'f', 'v', 'g', 'w'],
      ['HPEXPIRE', 'h', '3', 'FIELDS', '1', 'f'],
      ['COPY', 'h', 'c'],
      ['RENAME', 'h', 'r'],
      ['HGETALL', 'c'],
      ['HGETALL', 'r'],
      ['HGETALL', 'c'],
    ];
    const { primary, replica, replies } = runWithReplica(commands, { startMs: T0, stepMs: 2 });
    expect(replies.at(-1)).toEqual(['g', 'w']);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });
});

describe('keys: OBJECT and flags', () => {
  it('reports encodings and shared-integer refcounts as Redis 7.0', () => {
    const { run } = engineAt();
    run(['SET', 'int', '42']);
    run(['SET', 'str', 'hello']);
    run(['SADD', 'ints', '1', '2']);
    run(['RPUSH', 'list', 'a']);
    expect(run(['OBJECT', 'ENCODING', 'int'])).toBe('int');
    expect(run(['OBJECT', 'REFCOUNT', 'int'])).toBe(2147483647);
    expect(run(['OBJECT', 'ENCODING', 'str'])).toBe('embstr');
    expect(run(['OBJECT', 'ENCODING', 'ints'])).toBe('intset');
    expect(run(['OBJECT', 'ENCODING', 'list'])).toBe('quicklist');
    expect(run(['OBJECT', 'IDLETIME', 'str'])).toBe(0);
    expect(run(['OBJECT', 'ENCODING', 'nosuch'])).toBe(null);
    expect(run(['object', 'Bad'])).toEqual(new ReplyError("ERR unknown subcommand 'Bad'. Try OBJECT HELP."));
  });

  it('marks key enumeration as dangerous (refused to the read-only token) and writes as writes', () => {
    for (const name of ['keys', 'scan', 'randomkey']) {
      expect(findCommand(name)?.isDangerous).toBe(true);
      expect(findCommand(name)?.isReadonly).toBe(true);
    }
    for (const name of [
      'del',
      'unlink',
      'expire',
      'pexpire',
      'expireat',
      'pexpireat',
      'persist',
      'rename',
      'renamenx',
      'copy',
    ]) {
      expect(findCommand(name)?.isWrite).toBe(true);
      expect(findCommand(name)?.isDangerous).toBe(false);
    }
    for (const name of ['exists', 'type', 'ttl', 'pttl', 'expiretime', 'pexpiretime', 'touch', 'object']) {
      expect(findCommand(name)?.isReadonly).toBe(true);
    }
  });
});
