import { Lock } from '@upstash/lock';
import { MultiRegionRatelimit, Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, request, TOKEN } from './replication-cluster.js';

/**
 * Lua scripting on real processes: a primary, a near replica and a far one (80 ms behind), and the
 * geo-router. The real @upstash/ratelimit, @upstash/lock and SDK scripts run through the router from
 * the far region; read-only scripts are served by replicas, writing ones by the primary.
 */
const FAR_MS = 80;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 2,
    delayMs: 2,
    links: [
      { from: 'primary-1', to: 'replica-2', delayMs: FAR_MS },
      { from: 'replica-2', to: 'primary-1', delayMs: FAR_MS },
    ],
    nodeArgs: ['--busy-reply-threshold-ms', '300'],
  });
  await cluster.startAll();
  await cluster.start('router');
  await cluster.linked();
});

afterAll(() => cluster.close());

/**
 * The SDK through the router, as a client in the far region. The SDK's Node constructor takes no
 * custom headers, so the region header goes onto its HTTP client's default headers.
 */
function farClient(enableAutoPipelining = false): Redis {
  const redis = new Redis({ url: cluster.routerUrl, token: TOKEN, enableAutoPipelining, enableTelemetry: false });
  (redis as unknown as { client: { headers: Record<string, string> } }).client.headers['x-meridian-region'] =
    'replica-2';
  return redis;
}

/** @upstash/ratelimit's own (CommonJS-typed) view of the SDK client: the same class at run time. */
function forLimiter(redis: Redis): RatelimitRedis {
  return redis as unknown as RatelimitRedis;
}
type RatelimitRedis = ConstructorParameters<typeof Ratelimit>[0]['redis'];
type MultiRedis = ConstructorParameters<typeof MultiRegionRatelimit>[0]['redis'][number];
type LockRedis = ConstructorParameters<typeof Lock>[0]['redis'];

async function countAllowed(limiter: Ratelimit | MultiRegionRatelimit, identifier: string): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < 25; i++) {
    const { success } = await limiter.limit(identifier);
    if (success) allowed++;
  }
  return allowed;
}

describe('@upstash/ratelimit through the router from a far region', () => {
  it.each([
    // A fixed window's key is its bucket, floor(now / window): a run across a boundary (19:00:00 with
    // '1 h') counts in two windows and lets 10 more through. 1000 days has no boundary in a run.
    ['fixed window', Ratelimit.fixedWindow(10, '1000 d')],
    ['sliding window', Ratelimit.slidingWindow(10, '1 h')],
    ['token bucket', Ratelimit.tokenBucket(1, '1 h', 10)],
  ])('%s: a limit of 10 lets exactly 10 of 25 through', async (name, limiter) => {
    const ratelimit = new Ratelimit({
      redis: forLimiter(farClient()),
      limiter,
      ephemeralCache: false,
      prefix: `rl-${name}`,
    });
    expect(await countAllowed(ratelimit, 'user-1')).toBe(10);
    const remaining = await ratelimit.getRemaining('user-1');
    expect(remaining.remaining).toBe(0);
    // another identifier has its own budget
    expect((await ratelimit.limit('user-2')).success).toBe(true);
  });

  // MultiRegionRatelimit is built for one independent database per region, synced by the client. Meridian
  // is one database in every region, so it is given the one global endpoint: two endpoints onto the same
  // data would count each request twice at the limit (whichever region's answer comes first decides).
  it('MultiRegionRatelimit on the global endpoint lets exactly 10 of 25 through', async () => {
    const ratelimit = new MultiRegionRatelimit({
      redis: [farClient() as unknown as MultiRedis],
      limiter: MultiRegionRatelimit.slidingWindow(10, '1 h'),
      ephemeralCache: false,
      prefix: 'rl-multi',
    });
    let allowed = 0;
    for (let i = 0; i < 25; i++) {
      const response = await ratelimit.limit('user-1');
      await response.pending;
      if (response.success) allowed++;
    }
    expect(allowed).toBe(10);
  });
});

describe('@upstash/lock through the router', () => {
  it('acquire, refuse a second holder, extend, release, acquire again', async () => {
    const redis = farClient();
    const lockRedis = redis as unknown as LockRedis;
    const first = new Lock({ id: 'lock:job', redis: lockRedis, lease: 10_000, retry: { attempts: 1, delay: 10 } });
    const second = new Lock({ id: 'lock:job', redis: lockRedis, lease: 10_000, retry: { attempts: 1, delay: 10 } });
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    expect(await first.extend(5_000)).toBe(true);
    expect(await redis.pttl('lock:job')).toBeGreaterThan(10_000);
    expect(await second.release()).toBe(false);
    expect(await first.release()).toBe(true);
    expect(await second.acquire()).toBe(true);
    expect(await second.getStatus()).toBe('ACQUIRED');
  });
});

describe("the SDK's createScript", () => {
  it.each([false, true])('works with auto-pipelining %s (EVALSHA, EVAL fallback, read-only form)', async (auto) => {
    const redis = farClient(auto);
    const body = `return redis.call('incrby', KEYS[1], ARGV[1]) -- ${String(auto)}`;
    const script = redis.createScript<number>(body);
    const results = await Promise.all([
      script.exec([`cs-${String(auto)}`], ['2']),
      script.exec([`cs-${String(auto)}`], ['3']),
    ]);
    // the two run in either order: +2 then +3, or +3 then +2
    expect([
      [2, 5],
      [3, 5],
    ]).toContainEqual([...results].sort());
    expect(await script.evalsha([`cs-${String(auto)}`], ['1'])).toBe(6);
    const reader = redis.createScript<number, true>("return redis.call('get', KEYS[1])", { readonly: true });
    expect(await reader.exec([`cs-${String(auto)}`], [])).toBe(6); // the SDK parses the JSON-looking '6'
  });
});

describe('where scripts run', () => {
  it('read-only scripts are served by the replica that receives them; writing ones by the primary', async () => {
    const written = await cluster.command('primary-1', ['SET', 'where', 'here']);
    const token = String(written.headers['upstash-sync-token']);
    const read = await request(
      cluster.url('replica-1'),
      '/',
      ['EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'where'],
      {
        'upstash-sync-token': token,
      },
    );
    expect(read.body).toEqual({ result: 'here' });
    expect(read.headers['x-meridian-served-by']).toBe('replica-1');
    const write = await cluster.command('replica-1', ['EVAL', "return redis.call('incr', KEYS[1])", 1, 'where-count']);
    expect(write.body).toEqual({ result: 1 });
    expect(write.headers['x-meridian-served-by']).toBe('primary-1');
    const routed = await request(cluster.routerUrl, '/', ['EVAL_RO', 'return 7', 0], {
      'x-meridian-region': 'replica-2',
    });
    expect(routed.body).toEqual({ result: 7 });
    expect(routed.headers['x-meridian-served-by']).toBe('replica-2');
    expect((await cluster.command('replica-1', ['EVAL_RO', "return redis.call('del', 'where')", 0])).body).toEqual({
      error: expect.stringContaining('Write commands are not allowed from read-only scripts.') as unknown,
    });
  });

  it('scripts declared read-only (#!lua flags=no-writes, no-writes functions) are served by the replica too', async () => {
    const written = await cluster.command('primary-1', ['SET', 'declared', 'yes']);
    const token = { 'upstash-sync-token': String(written.headers['upstash-sync-token']) };
    const body = "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])";
    const evaluated = await request(cluster.url('replica-1'), '/', ['EVAL', body, 1, 'declared'], token);
    expect(evaluated.body).toEqual({ result: 'yes' });
    expect(evaluated.headers['x-meridian-served-by']).toBe('replica-1');
    const sha = (await cluster.command('primary-1', ['SCRIPT', 'LOAD', body])).body as { result: string };
    const bySha = await request(cluster.url('replica-1'), '/', ['EVALSHA', sha.result, 1, 'declared'], token);
    expect(bySha.body).toEqual({ result: 'yes' });
    expect(bySha.headers['x-meridian-served-by']).toBe('replica-1');
    const library =
      "#!lua name=peeklib\nredis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
    await cluster.command('primary-1', ['FUNCTION', 'LOAD', 'REPLACE', library]);
    // A replica that does not know the function yet forwards the call: wait until the library arrived.
    for (let i = 0; i < 200; i++) {
      const probe = await cluster.command('replica-1', ['FCALL_RO', 'peek', 1, 'declared']);
      if ((probe.body as { result?: unknown }).result === 'yes') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const called = await request(cluster.url('replica-1'), '/', ['FCALL', 'peek', 1, 'declared'], token);
    expect(called.body).toEqual({ result: 'yes' });
    expect(called.headers['x-meridian-served-by']).toBe('replica-1');
    // A write inside a no-writes script is refused where it runs; a script without the flag goes to the primary.
    const refused = await cluster.command('replica-1', [
      'EVAL',
      "#!lua flags=no-writes\nreturn redis.call('del', 'declared')",
      0,
    ]);
    expect(refused.body).toEqual({
      error: expect.stringContaining('Write commands are not allowed from read-only scripts.') as unknown,
    });
    expect(refused.headers['x-meridian-served-by']).toBe('replica-1');
    const plain = await request(
      cluster.url('replica-1'),
      '/',
      ['EVAL', "return redis.call('get', KEYS[1])", 1, 'declared'],
      token,
    );
    expect(plain.headers['x-meridian-served-by']).toBe('primary-1');
  });

  it('a script loaded at the primary is known in every region, and its writes converge', async () => {
    const loaded = await cluster.command('primary-1', [
      'SCRIPT',
      'LOAD',
      "return redis.call('hset', KEYS[1], 'f', ARGV[1])",
    ]);
    const sha = (loaded.body as { result: string }).result;
    await cluster.command('primary-1', ['EVALSHA', sha, 1, 'loaded-hash', 'v']);
    await cluster.converged(10_000);
    for (const region of cluster.replicas) {
      expect((await cluster.command(region, ['SCRIPT', 'EXISTS', sha])).body).toEqual({ result: [1] });
      const read = await cluster.command(region, [
        'EVAL_RO',
        "return redis.call('hget', KEYS[1], 'f')",
        1,
        'loaded-hash',
      ]);
      expect(read.body).toEqual({ result: 'v' });
    }
  });

  it('pipelines and MULTI/EXEC with scripts', async () => {
    const pipeline = await request(cluster.routerUrl, '/pipeline', [
      ['EVAL', "return redis.call('incr', KEYS[1])", 1, 'pipe'],
      ['EVAL', "return redis.call('incr', KEYS[1])", 1, 'pipe'],
      ['GET', 'pipe'],
      ['EVAL', "error('boom')", 0],
    ]);
    expect(pipeline.body).toEqual([
      { result: 1 },
      { result: 2 },
      { result: '2' },
      { error: expect.stringContaining('boom') as unknown },
    ]);
    const transaction = await request(cluster.routerUrl, '/multi-exec', [
      ['SET', 'tx', '10'],
      ['EVAL', "return redis.call('incrby', KEYS[1], ARGV[1])", 1, 'tx', 5],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'tx'],
    ]);
    expect(transaction.body).toEqual([{ result: 'OK' }, { result: 15 }, { result: '15' }]);
    // Sent to a replica: a pipeline or transaction holding a writing script is forwarded whole to the primary;
    // one of read-only scripts only is served where it arrives.
    const forwarded = await request(cluster.url('replica-1'), '/pipeline', [
      ['EVAL', "return redis.call('incr', KEYS[1])", 1, 'pipe'],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'pipe'],
    ]);
    expect(forwarded.body).toEqual([{ result: 3 }, { result: '3' }]);
    expect(forwarded.headers['x-meridian-served-by']).toBe('primary-1');
    const atReplica = await request(cluster.url('replica-1'), '/multi-exec', [
      ['EVAL', "return redis.call('incrby', KEYS[1], ARGV[1])", 1, 'tx', 1],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'tx'],
    ]);
    expect(atReplica.body).toEqual([{ result: 16 }, { result: '16' }]);
    expect(atReplica.headers['x-meridian-served-by']).toBe('primary-1');
    const token = { 'upstash-sync-token': String(atReplica.headers['upstash-sync-token']) };
    const readOnly = await request(
      cluster.url('replica-1'),
      '/pipeline',
      [
        ['EVAL_RO', "return redis.call('get', KEYS[1])", 1, 'tx'],
        ['EVAL_RO', 'return ARGV[1]', 0, 'ro'],
      ],
      token,
    );
    expect(readOnly.body).toEqual([{ result: '16' }, { result: 'ro' }]);
    expect(readOnly.headers['x-meridian-served-by']).toBe('replica-1');
  });

  it('a script past busy-reply-threshold is stopped with BUSY; the node answers others meanwhile and after', async () => {
    const busy = cluster.command('primary-1', ['EVAL', 'while true do end', 0]);
    const other = cluster.command('primary-1', ['INCR', 'while-busy']);
    expect((await busy).body).toEqual({
      error: 'BUSY Script ran longer than busy-reply-threshold (300 ms) and was stopped',
    });
    expect((await other).body).toEqual({ result: 1 });
    expect((await cluster.command('primary-1', ['EVAL', 'return 1', 0])).body).toEqual({ result: 1 });
  });
});
