import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Engine, digestKeyspace } from '@meridian/engine';
import { HistoryFile, MeridianNode, type MeridianNodeOptions, NodeLinks, openRegionStore } from '@meridian/node';

const TOKEN = 'pubsub-token';
const SECRET = 'pubsub-secret';
const root = mkdtempSync(join(tmpdir(), 'meridian-pubsub-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const started: MeridianNode[] = [];
const sockets: http.ClientRequest[] = [];
afterEach(async () => {
  for (const request of sockets.splice(0)) request.destroy();
  for (const node of started.splice(0).reverse()) await node.close();
});

async function startNode(options: Partial<MeridianNodeOptions> & { region: string }): Promise<MeridianNode> {
  const dir = mkdtempSync(join(root, `${options.region}-`));
  const store = openRegionStore({ dataDir: dir, region: options.region, policy: 'always' });
  const node = new MeridianNode({
    token: TOKEN,
    writeLog: store.log,
    report: () => {},
    ...(options.replication !== undefined && 'primaryUrl' in options.replication
      ? { history: new HistoryFile(store.dir) }
      : {}),
    ...options,
  });
  started.push(node);
  await node.start();
  return node;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw SSE subscription collecting `data:` lines; `paused` never reads (a slow client). */
function rawSubscribe(url: string, path: string, paused = false): { lines: string[]; closed: () => boolean } {
  const lines: string[] = [];
  let ended = false;
  const request = http.request(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' },
  });
  sockets.push(request);
  request.on('response', (response) => {
    if (paused) {
      response.pause();
      response.socket.pause();
    }
    let buffer = '';
    response.setEncoding('latin1');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith('data: ')) lines.push(line.slice(6));
    });
    response.on('close', () => (ended = true));
  });
  request.on('error', () => (ended = true));
  request.end('[]');
  return { lines, closed: () => ended };
}

async function command(url: string, argv: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(argv),
  });
  return ((await response.json()) as { result?: unknown; error?: unknown }).result ?? (await Promise.resolve(null));
}

describe('PUBLISH in the engine', () => {
  it('is replicated as is and delivered through the host on the primary and while a replica applies it', () => {
    const delivered: string[] = [];
    const primary = new Engine({ role: 'primary' });
    primary.host = { publish: (channel, message) => (delivered.push(`p:${channel}:${message}`), 2) };
    const replica = new Engine({ role: 'replica' });
    replica.host = { publish: (channel, message) => (delivered.push(`r:${channel}:${message}`), 1) };
    const result = primary.execute(['PUBLISH', 'news', 'hi'], 0);
    expect(result.reply).toBe(2);
    expect(result.effects).toEqual([['PUBLISH', 'news', 'hi']]);
    replica.applyEffects(result.effects, 0);
    expect(delivered).toEqual(['p:news:hi', 'r:news:hi']);
    expect(digestKeyspace(replica.db)).toBe(digestKeyspace(primary.db));
  });
});

describe('pub/sub over server-sent events', () => {
  it('works with the @upstash/redis SDK: messages in publish order, cleanup on unsubscribe', async () => {
    const node = await startNode({ region: 'solo' });
    const redis = new Redis({ url: node.url, token: TOKEN, enableAutoPipelining: false });
    const subscriber = redis.subscribe<unknown>(['news']);
    const received: unknown[] = [];
    subscriber.on('message', ({ message }) => received.push(message));
    await until(() => node.pubsub.subscriberCount('news') === 1);
    const payloads = ['first', { n: 2, text: 'line\nbreak, comma' }, 'ünïcödé ✓', 3];
    for (const payload of payloads) expect(await redis.publish('news', payload)).toBe(1);
    await until(() => received.length === payloads.length);
    expect(received).toEqual(payloads);
    expect(await command(node.url, ['PUBSUB', 'NUMSUB', 'news'])).toEqual(['news', 1]);
    await subscriber.unsubscribe();
    await until(() => node.pubsub.subscriberCount('news') === 0);
    expect(await command(node.url, ['PUBSUB', 'NUMSUB', 'news'])).toEqual(['news', 0]);
  });

  it('works with the SDK psubscribe: pmessages in order, JSON payloads with line breaks round-trip', async () => {
    const node = await startNode({ region: 'solo' });
    const redis = new Redis({ url: node.url, token: TOKEN, enableAutoPipelining: false });
    const subscriber = redis.psubscribe<unknown>(['ne*', 'x*']);
    const received: unknown[] = [];
    subscriber.on('pmessage', ({ pattern, channel, message }) => received.push([pattern, channel, message]));
    await until(() => node.pubsub.patternCount() === 2);
    // The SDK's pattern subscriber JSON.parses every payload (its channel subscriber falls back to
    // the raw text), and the SDK sends a string as it is: publish JSON values.
    const payloads = [{ text: 'a\nb\r\nc, d' }, ['ünïcödé', '✓', '\\n literal'], 42];
    for (const payload of payloads) expect(await redis.publish('news', payload)).toBe(1);
    expect(await redis.publish('xy', { z: true })).toBe(1);
    await until(() => received.length === payloads.length + 1);
    expect(received).toEqual([...payloads.map((payload) => ['ne*', 'news', payload]), ['x*', 'xy', { z: true }]]);
    await subscriber.unsubscribe();
    await until(() => node.pubsub.patternCount() === 0);
    expect(await command(node.url, ['PUBSUB', 'NUMPAT'])).toBe(0);
  });

  it('speaks the documented event format, patterns included, escaping raw line breaks', async () => {
    const node = await startNode({ region: 'solo' });
    const channel = rawSubscribe(node.url, '/subscribe/a/b');
    const pattern = rawSubscribe(node.url, '/psubscribe/a*');
    await until(() => node.pubsub.subscriberCount('b') === 1 && node.pubsub.patternCount() === 1);
    expect(await command(node.url, ['PUBLISH', 'a', 'x,y\nz'])).toBe(2);
    expect(await command(node.url, ['PUBLISH', 'b', 'plain'])).toBe(1);
    await until(() => channel.lines.length === 4 && pattern.lines.length === 2);
    expect(channel.lines).toEqual(['subscribe,a,1', 'subscribe,b,1', 'message,a,x,y\\nz', 'message,b,plain']);
    expect(pattern.lines).toEqual(['psubscribe,a*,1', 'pmessage,a*,a,x,y\\nz']);
    expect(await command(node.url, ['PUBSUB', 'NUMPAT'])).toBe(1);
    expect(await command(node.url, ['PUBSUB', 'CHANNELS'])).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('disconnects a subscriber that never reads, while others keep receiving', async () => {
    const node = await startNode({ region: 'solo', sseBufferBytesMax: 64 * 1024 });
    rawSubscribe(node.url, '/subscribe/flood', true);
    const fast = rawSubscribe(node.url, '/subscribe/flood');
    await until(() => node.pubsub.subscriberCount('flood') === 2);
    // Loopback socket buffers absorb a few MB before the server's own buffer grows.
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 400 && node.pubsub.subscriberCount('flood') === 2; i++) {
      await command(node.url, ['PUBLISH', 'flood', `${i}:${big}`]);
    }
    await until(() => node.pubsub.subscriberCount('flood') === 1);
    const before = fast.lines.length;
    expect(await command(node.url, ['PUBLISH', 'flood', 'still here'])).toBe(1);
    await until(() => fast.lines.length === before + 1);
    expect(fast.lines.at(-1)).toBe('message,flood,still here');
    expect(fast.closed()).toBe(false);
  });

  it('delivers a message published at the primary to a lagging replica region after the lag, after earlier writes', async () => {
    const primary = await startNode({
      region: 'p',
      replication: { secret: SECRET, heartbeatMs: 20 },
      links: new NodeLinks([{ from: 'p', to: 'r1', delayMs: 200, jitter: undefined, jitterMode: 'per-message' }]),
    });
    const replica = await startNode({
      region: 'r1',
      replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET, syncWaitMsMax: 300 },
      links: new NodeLinks([{ from: 'r1', to: 'p', delayMs: 0, jitter: undefined, jitterMode: 'per-message' }]),
    });
    await until(() => replica.status()['masterLinkUp'] === true);
    const seenValues: unknown[] = [];
    const redis = new Redis({ url: replica.url, token: TOKEN, enableAutoPipelining: false, readYourWrites: false });
    const subscriber = redis.subscribe<string>(['events']);
    const arrivals: { message: string; atMs: number }[] = [];
    subscriber.on('message', ({ message }) => {
      arrivals.push({ message, atMs: Date.now() });
      // The write before each message must already be visible in the replica's keyspace.
      seenValues.push(replica.engine.execute(['GET', `k:${message}`], Date.now()).reply);
    });
    await until(() => replica.pubsub.subscriberCount('events') === 1);
    const sentAtMs = Date.now();
    for (const message of ['m1', 'm2', 'm3']) {
      await command(primary.url, ['SET', `k:${message}`, message]);
      await command(primary.url, ['PUBLISH', 'events', message]);
    }
    await until(() => arrivals.length === 3, 5000);
    expect(arrivals.map((arrival) => arrival.message)).toEqual(['m1', 'm2', 'm3']);
    expect(arrivals[0]!.atMs - sentAtMs).toBeGreaterThanOrEqual(180);
    expect(seenValues).toEqual(['m1', 'm2', 'm3']);
    await subscriber.unsubscribe();
  });
});
