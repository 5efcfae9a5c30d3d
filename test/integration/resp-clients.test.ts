import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespPair, READONLY_TOKEN, TOKEN } from '../support/resp-nodes.js';

let pair: RespPair;
const clients: { quit(): Promise<unknown> }[] = [];

function ioredis(port: number, password: string | undefined = TOKEN): Redis {
  const client = new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 0, lazyConnect: false });
  clients.push(client);
  return client;
}

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const poll = (): void => {
      if (check()) resolve();
      else if (++tries > 400) reject(new Error('condition not reached'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

beforeAll(async () => {
  pair = await RespPair.start();
});

afterAll(async () => {
  for (const client of clients) await client.quit().catch(() => undefined);
  await pair.close();
});

describe('ioredis against a replica (reads local, writes forwarded, reads its own writes)', () => {
  it('covers every family', async () => {
    const redis = ioredis(pair.replicaPort);
    expect(await redis.set('str', 'v', 'EX', 100)).toBe('OK');
    expect(await redis.get('str')).toBe('v');
    expect(await redis.incrby('counter', 5)).toBe(5);
    expect(await redis.hset('hash', { f: '1', g: '2' })).toBe(2);
    expect(await redis.hgetall('hash')).toEqual({ f: '1', g: '2' });
    expect(await redis.rpush('list', 'a', 'b', 'c')).toBe(3);
    expect(await redis.lrange('list', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await redis.sadd('set', 'x', 'y')).toBe(2);
    expect((await redis.smembers('set')).sort()).toEqual(['x', 'y']);
    expect(await redis.zadd('zset', 1, 'one', 2.5, 'two')).toBe(2);
    expect(await redis.zrange('zset', 0, -1, 'WITHSCORES')).toEqual(['one', '1', 'two', '2.5']);
    const id = await redis.xadd('stream', '*', 'k', 'v');
    expect(await redis.xrange('stream', '-', '+')).toEqual([[id, ['k', 'v']]]);
    expect(await redis.ttl('str')).toBeGreaterThan(90);
    expect(await redis.exists('str', 'nope')).toBe(1);
    expect(await redis.type('zset')).toBe('zset');
    await expect(redis.lpush('str', 'x')).rejects.toThrow(/WRONGTYPE/);
    const info = await redis.info('replication');
    expect(info).toContain('role:slave');
  });

  it('pipelines and transactions', async () => {
    const redis = ioredis(pair.replicaPort);
    const results = await redis.pipeline().set('p1', '1').incr('p1').get('p1').exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ]);
    const exec = await redis.multi().set('t1', 'a').append('t1', 'b').get('t1').exec();
    expect(exec).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, 'ab'],
    ]);
  });

  it('a blocking pop on the replica is woken by a push at the primary', async () => {
    const waiting = ioredis(pair.replicaPort);
    const pusher = ioredis(pair.primaryPort);
    const popped = waiting.blpop('jobs', 10);
    await waitFor(() => pair.replica.engine !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pusher.rpush('jobs', 'job-1');
    expect(await popped).toEqual(['jobs', 'job-1']);
    expect(await pusher.llen('jobs')).toBe(0);
  });
});

describe('ioredis against the primary', () => {
  it('WATCH: a write by another connection aborts EXEC; untouched keys let it run', async () => {
    const a = ioredis(pair.primaryPort);
    const b = ioredis(pair.primaryPort);
    await a.set('balance', '10');
    await a.watch('balance');
    await b.set('balance', '20');
    expect(await a.multi().set('balance', '11').exec()).toBeNull();
    expect(await a.get('balance')).toBe('20');
    await a.watch('balance');
    expect(await a.multi().incr('balance').exec()).toEqual([[null, 21]]);
  });

  it('WATCH race: of concurrent check-and-set increments, each EXEC either applies or aborts, none is lost', async () => {
    const racers = [ioredis(pair.primaryPort), ioredis(pair.primaryPort), ioredis(pair.primaryPort)];
    await racers[0]!.set('race', '0');
    let applied = 0;
    await Promise.all(
      racers.map(async (client) => {
        for (let round = 0; round < 10; round++) {
          await client.watch('race');
          const value = Number(await client.get('race'));
          const result = await client
            .multi()
            .set('race', String(value + 1))
            .exec();
          if (result !== null) applied++;
        }
      }),
    );
    expect(Number(await racers[0]!.get('race'))).toBe(applied);
  });

  it('blocked clients are served in the order they blocked; timeouts answer nil', async () => {
    const first = ioredis(pair.primaryPort);
    const second = ioredis(pair.primaryPort);
    const pusher = ioredis(pair.primaryPort);
    const one = first.brpop('fifo', 10);
    await waitFor(() => true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const two = second.brpop('fifo', 10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await pusher.lpush('fifo', 'a');
    await pusher.lpush('fifo', 'b');
    expect(await one).toEqual(['fifo', 'a']);
    expect(await two).toEqual(['fifo', 'b']);
    expect(await pusher.blpop('empty', 0.05)).toBeNull();
    const z = pusher.bzpopmin('zq', 10);
    await ioredis(pair.primaryPort).zadd('zq', 3, 'm');
    expect(await z).toEqual(['zq', 'm', '3']);
  });

  it('XREAD BLOCK $ is woken by XADD', async () => {
    const reader = ioredis(pair.primaryPort);
    const writer = ioredis(pair.primaryPort);
    await writer.xadd('events', '*', 'old', '1');
    const read = reader.xread('BLOCK', 5000, 'STREAMS', 'events', '$');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const id = await writer.xadd('events', '*', 'new', '2');
    expect(await read).toEqual([['events', [[id, ['new', '2']]]]]);
  });

  it('pub/sub: a subscriber on the replica hears a PUBLISH at the primary', async () => {
    const subscriber = ioredis(pair.replicaPort);
    const publisher = ioredis(pair.primaryPort);
    const messages: string[] = [];
    subscriber.on('message', (channel: string, message: string) => messages.push(`${channel}:${message}`));
    await subscriber.subscribe('news');
    await waitFor(() => pair.replica.pubsub.subscriptionsOf !== undefined);
    for (let i = 0; i < 50 && messages.length === 0; i++) {
      await publisher.publish('news', 'hello');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(messages[0]).toBe('news:hello');
  });

  it('auth: NOAUTH before AUTH, WRONGPASS for a bad token, NOPERM for writes with the read-only token', async () => {
    const anonymous = new Redis({
      port: pair.primaryPort,
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
    });
    clients.push(anonymous);
    await anonymous.connect().catch(() => undefined);
    await expect(anonymous.get('x')).rejects.toThrow('NOAUTH Authentication required.');
    await expect(anonymous.auth('wrong')).rejects.toThrow(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );
    expect(await anonymous.auth('default', TOKEN)).toBe('OK');
    const readonly = ioredis(pair.replicaPort, READONLY_TOKEN);
    await expect(readonly.set('x', '1')).rejects.toThrow(
      "NOPERM this user has no permissions to run the 'set' command",
    );
    await expect(readonly.blpop('x', 1)).rejects.toThrow(
      "NOPERM this user has no permissions to run the 'blpop' command",
    );
    expect(await readonly.get('str')).toBe('v');
  });
});

describe('node-redis (RESP3)', () => {
  it.each(['primary', 'replica'] as const)(
    'runs commands, a transaction and pub/sub with push messages against the %s',
    async (role) => {
      const port = role === 'primary' ? pair.primaryPort : pair.replicaPort;
      const client = createClient({ url: `redis://default:${TOKEN}@127.0.0.1:${port}`, RESP: 3 });
      const subscriber = client.duplicate();
      clients.push({ quit: () => client.close() }, { quit: () => subscriber.close() });
      await client.connect();
      await subscriber.connect();
      await client.hSet(`nr:hash:${role}`, { a: '1' });
      expect(await client.hGetAll(`nr:hash:${role}`)).toEqual({ a: '1' });
      await client.zAdd(`nr:z:${role}`, { score: 1.5, value: 'm' });
      expect(await client.zScore(`nr:z:${role}`, 'm')).toBe(1.5);
      expect(await client.multi().set(`nr:k:${role}`, 'v').get(`nr:k:${role}`).exec()).toEqual(['OK', 'v']);
      const heard: string[] = [];
      await subscriber.subscribe('nr:chan', (message) => heard.push(message));
      for (let i = 0; i < 50 && heard.length === 0; i++) {
        await client.publish('nr:chan', 'hi');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(heard[0]).toBe('hi');
      expect(await client.clientId()).toBeGreaterThan(0);
    },
  );
});

describe('redis-cli', () => {
  // Asynchronously: the nodes run in this process and must keep answering.
  function redisCli(args: string[], input: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('redis-cli', args);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', () => resolve(output));
      child.stdin.end(input);
    });
  }

  it('a scripted session against a replica', async () => {
    const script = [
      `AUTH default ${TOKEN}`,
      'CLIENT SETNAME cli-session',
      'CLIENT GETNAME',
      'SET cli:key "hello world"',
      'GET cli:key',
      'MULTI',
      'INCR cli:n',
      'INCR cli:n',
      'EXEC',
      'SELECT 1',
      'PING',
      'HSET cli:hash f 1 g 2',
    ].join('\n');
    const output = await redisCli(['-p', String(pair.replicaPort)], script);
    expect(output.split('\n')).toEqual([
      'OK',
      'OK',
      'cli-session',
      'OK',
      'hello world',
      'OK',
      'QUEUED',
      'QUEUED',
      '1',
      '2',
      'ERR DB index is out of range',
      '', // redis-cli prints a blank line after an error
      'PONG',
      '2',
      '',
    ]);
    const { stdout: resp3 } = await promisify(execFile)('redis-cli', [
      '-3',
      '-p',
      String(pair.primaryPort),
      '--user',
      'default',
      '--pass',
      TOKEN,
      '--no-auth-warning',
      'HGETALL',
      'cli:hash',
    ]);
    expect(resp3).toBe('f 1\ng 2\n'); // a RESP3 map, as redis-cli prints one without a tty
  });
});
