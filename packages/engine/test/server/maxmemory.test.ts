import { describe, expect, it } from 'vitest';
import {
  type ByteString,
  commandTable,
  Engine,
  ERR_OOM,
  type MaxMemoryPolicy,
  ReplyError,
  SimpleString,
  STARTUP_MEMORY_BYTES,
} from '@meridian/engine';
import { type Oracle, oracleWanted, withOracle } from '../../../../test/support/oracle.js';

function engineWith(maxMemoryBytes: number, policy: MaxMemoryPolicy = 'noeviction', seed = 1): Engine {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return new Engine({ role: 'primary', random, memoryLimit: { maxMemoryBytes, policy } });
}

function infoField(engine: Engine, field: string): string | undefined {
  const text = engine.execute(['INFO', 'memory'], 0).reply as string;
  return /\r\n?/.test(text) ? new RegExp(`${field}:([^\\r\\n]*)`).exec(text)?.[1] : undefined;
}

describe('maxmemory', () => {
  it('refuses denyoom commands over the limit with Redis’s exact error; reads and deletes still run', () => {
    const engine = engineWith(STARTUP_MEMORY_BYTES + 10_000);
    let i = 0;
    let reply = engine.execute(['SET', `k${i}`, 'x'.repeat(100)], 0).reply;
    while (!(reply instanceof ReplyError) && i < 1000)
      reply = engine.execute(['SET', `k${++i}`, 'x'.repeat(100)], 0).reply;
    expect(reply).toEqual(new ReplyError(ERR_OOM));
    expect(i).toBeGreaterThan(10);
    expect(engine.execute(['GET', 'k0'], 0).reply).toBe('x'.repeat(100));
    expect(engine.execute(['DEL', 'k0', 'k1', 'k2'], 0).reply).toBe(3);
    expect(engine.execute(['SET', 'again', 'y'], 0).reply).not.toBeInstanceOf(ReplyError);
    expect(engine.executeTransaction([['SET', 'a', 'x'.repeat(5000)]], 0).replies).toEqual(
      new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
    );
  });

  it('charges a large value before creating it: ten SETRANGE hugeN 500000000 z are all refused under 256 MB', () => {
    const engine = engineWith(256 * 1024 * 1024);
    for (let n = 0; n < 10; n++) {
      expect(engine.execute(['SETRANGE', `huge${n}`, '500000000', 'z'], 0).reply).toEqual(new ReplyError(ERR_OOM));
      expect(engine.execute(['SETBIT', `bits${n}`, '4000000000', '1'], 0).reply).toEqual(new ReplyError(ERR_OOM));
      expect(engine.execute(['BITFIELD', `field${n}`, 'SET', 'u8', '#400000000', '1'], 0).reply).toEqual(
        new ReplyError(ERR_OOM),
      );
    }
    expect(engine.db.data.size).toBe(0);
    // Within the limit, the same command runs and is charged what it created.
    expect(engine.execute(['SETRANGE', 'medium', '1000000', 'z'], 0).reply).toBe(1_000_001);
    expect(engine.usedMemoryBytes()).toBeGreaterThan(STARTUP_MEMORY_BYTES + 1_000_000);
  });

  it('keeps the estimate incrementally: containers grow and shrink it, DEL and FLUSHALL give it back', () => {
    const engine = engineWith(0);
    const empty = engine.usedMemoryBytes();
    expect(empty).toBe(STARTUP_MEMORY_BYTES);
    for (let i = 0; i < 1000; i++) engine.execute(['HSET', 'h', `field${i}`, 'v'.repeat(100)], 0);
    const withHash = engine.usedMemoryBytes();
    expect(withHash - empty).toBeGreaterThan(100_000);
    for (let i = 0; i < 900; i++) engine.execute(['HDEL', 'h', `field${i}`], 0);
    expect(engine.usedMemoryBytes() - empty).toBeLessThan((withHash - empty) / 5);
    engine.execute(['RPUSH', 'l', ...Array.from({ length: 100 }, () => 'e'.repeat(1000))], 0);
    engine.execute(['DEL', 'h'], 0);
    expect(engine.usedMemoryBytes() - empty).toBeGreaterThan(100_000);
    engine.execute(['FLUSHALL'], 0);
    expect(engine.usedMemoryBytes()).toBe(empty);
    expect(infoField(engine, 'maxmemory_policy')).toBe('noeviction');
  });

  it('allkeys-lru evicts the least recently used keys and propagates each eviction as a DEL', () => {
    const engine = engineWith(STARTUP_MEMORY_BYTES + 20_000, 'allkeys-lru');
    for (let i = 0; i < 10; i++) engine.execute(['SET', `old${i}`, 'x'.repeat(1000)], 0);
    for (let i = 0; i < 10; i++) engine.execute(['SET', `hot${i}`, 'x'.repeat(500)], 0);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 10; i++) engine.execute(['GET', `hot${i}`], 0);
    const effects: ByteString[][] = [];
    for (let i = 0; i < 10; i++) engine.executeAppending(['SET', `new${i}`, 'x'.repeat(1000)], 0, effects);
    const evicted = effects.filter((argv) => argv[0] === 'DEL').map((argv) => argv[1]);
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted.filter((key) => (key ?? '').startsWith('hot')).length).toBeLessThan(evicted.length / 2);
    expect(engine.usedMemoryBytes()).toBeLessThanOrEqual(STARTUP_MEMORY_BYTES + 20_000);
    expect(infoField(engine, 'maxmemory_policy')).toBe('allkeys-lru');
    const stats = engine.execute(['INFO', 'stats'], 0).reply as string;
    expect(stats).toContain(`evicted_keys:${evicted.length}`);
  });

  it('volatile-ttl evicts the key that expires soonest; volatile policies never touch keys without a TTL', () => {
    const engine = engineWith(STARTUP_MEMORY_BYTES + 8_000, 'volatile-ttl');
    engine.execute(['SET', 'forever', 'x'.repeat(2000)], 0);
    engine.execute(['SET', 'soon', 'x'.repeat(2000), 'PX', '1000'], 0);
    engine.execute(['SET', 'later', 'x'.repeat(2000), 'PX', '900000'], 0);
    const { effects } = engine.execute(['SET', 'more', 'x'.repeat(2000)], 0);
    expect(effects[0]).toEqual(['DEL', 'soon']);
    const lru = engineWith(STARTUP_MEMORY_BYTES + 5_000, 'volatile-lru');
    lru.execute(['SET', 'a', 'x'.repeat(2000)], 0);
    lru.execute(['SET', 'b', 'x'.repeat(2000)], 0);
    expect(lru.execute(['SET', 'c', 'x'.repeat(2000)], 0).reply).toEqual(new ReplyError(ERR_OOM));
    const random = engineWith(STARTUP_MEMORY_BYTES + 5_000, 'allkeys-random');
    for (let i = 0; i < 20; i++)
      expect(random.execute(['SET', `r${i}`, 'x'.repeat(1000)], 0).reply).not.toBeInstanceOf(ReplyError);
    expect(random.stats.evictedKeys).toBeGreaterThan(0);
  });

  it('replicas and replays never refuse or evict (the primary’s DELs decide)', () => {
    const replica = new Engine({ role: 'replica', memoryLimit: { maxMemoryBytes: 1, policy: 'allkeys-lru' } });
    replica.applyEffects([['SET', 'a', 'x'.repeat(5000)]], 0);
    expect(replica.execute(['GET', 'a'], 0).reply).toBe('x'.repeat(5000));
  });
});

describe.runIf(oracleWanted())('maxmemory: against redis-server 7.0', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  it('the OOM error text is Redis’s', async () => {
    await oracle.client.send(['CONFIG', 'SET', 'maxmemory', '1']);
    const redisReply = await oracle.client.send(['SET', 'a', 'b']);
    await oracle.client.send(['CONFIG', 'SET', 'maxmemory', '0']);
    expect(engineWith(1).execute(['SET', 'a', 'b'], 0).reply).toEqual(redisReply);
  });

  it('our denyoom flags are Redis’s for every command both have', async () => {
    const differing: string[] = [];
    for (const info of commandTable.values()) {
      const reply = await oracle.client.send(['COMMAND', 'INFO', info.name]);
      const entry = (reply as unknown[])[0];
      if (!Array.isArray(entry)) continue; // a command Redis 7.0 does not have
      const flags = (entry[2] as unknown[]).map((flag) => (flag instanceof SimpleString ? flag.value : String(flag)));
      if (flags.includes('denyoom') !== info.isDenyOom) differing.push(info.name);
    }
    expect(differing).toEqual([]);
  });
});
