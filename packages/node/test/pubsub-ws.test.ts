import { describe, afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MeridianNode, type MeridianNodeOptions } from '@meridian/node';

const TOKEN = 'ws-token';
const READONLY = 'ws-readonly';

const started: MeridianNode[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const node of started.splice(0)) await node.close();
});

async function startNode(options: Partial<MeridianNodeOptions> = {}): Promise<MeridianNode> {
  const node = new MeridianNode({ token: TOKEN, readonlyToken: READONLY, report: () => {}, ...options });
  started.push(node);
  await node.start();
  return node;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Client {
  readonly ws: WebSocket;
  readonly events: Record<string, unknown>[];
  send(request: unknown): void;
  /** Waits for `count` more events and returns them. */
  next(count?: number): Promise<Record<string, unknown>[]>;
  closed(): Promise<{ code: number; reason: string }>;
}

async function connect(node: MeridianNode, options: { token?: string; query?: boolean } = {}): Promise<Client> {
  const token = options.token ?? TOKEN;
  const base = node.url.replace('http', 'ws');
  const ws = options.query
    ? new WebSocket(`${base}/_meridian/pubsub?_token=${token}`)
    : new WebSocket(`${base}/_meridian/pubsub`, { headers: { authorization: `Bearer ${token}` } });
  clients.push(ws);
  const events: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => events.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let seen = 0;
  return {
    ws,
    events,
    send: (request) => ws.send(JSON.stringify(request)),
    next: async (count = 1) => {
      await until(() => events.length >= seen + count);
      seen += count;
      return events.slice(seen - count, seen);
    },
    closed: () => closed,
  };
}

async function command(node: MeridianNode, argv: unknown[]): Promise<unknown> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(argv),
  });
  return ((await response.json()) as { result?: unknown }).result;
}

describe('WebSocket pub/sub endpoint', () => {
  it('subscribes, delivers in order, unsubscribes, with counts as Redis gives them', async () => {
    const node = await startNode();
    const client = await connect(node);
    client.send({ op: 'subscribe', channels: ['a', 'b'] });
    expect(await client.next(2)).toEqual([
      { type: 'subscribe', channel: 'a', count: 1 },
      { type: 'subscribe', channel: 'b', count: 2 },
    ]);
    client.send({ op: 'psubscribe', channels: ['n*'], id: 7 });
    expect(await client.next()).toEqual([{ type: 'psubscribe', pattern: 'n*', count: 3, id: 7 }]);
    const payloads = ['one', 'line\nbreak, comma', 'ünïcödé ✓ 🎉', '{"json":true}'];
    for (const payload of payloads) expect(await command(node, ['PUBLISH', 'a', payload])).toBe(1);
    expect(await command(node, ['PUBLISH', 'news', 'n'])).toBe(1);
    expect(await client.next(5)).toEqual([
      ...payloads.map((message) => ({ type: 'message', channel: 'a', message })),
      { type: 'pmessage', pattern: 'n*', channel: 'news', message: 'n' },
    ]);
    client.send({ op: 'unsubscribe', channels: ['a'] });
    expect(await client.next()).toEqual([{ type: 'unsubscribe', channel: 'a', count: 2 }]);
    expect(await command(node, ['PUBSUB', 'NUMSUB', 'a', 'b'])).toEqual(['a', 0, 'b', 1]);
    client.send({ op: 'unsubscribe' });
    expect(await client.next()).toEqual([{ type: 'unsubscribe', channel: 'b', count: 1 }]);
    client.send({ op: 'punsubscribe', channels: [] });
    expect(await client.next()).toEqual([{ type: 'punsubscribe', pattern: 'n*', count: 0 }]);
    client.send({ op: 'unsubscribe' });
    expect(await client.next()).toEqual([{ type: 'unsubscribe', channel: null, count: 0 }]);
    expect(await command(node, ['PUBSUB', 'NUMPAT'])).toBe(0);
  });

  it('publishes through the node (the reply counts receivers) and echoes ids', async () => {
    const node = await startNode();
    const listener = await connect(node);
    listener.send({ op: 'subscribe', channels: ['chat'] });
    await listener.next();
    const publisher = await connect(node, { query: true });
    publisher.send({ op: 'publish', channel: 'chat', message: 'hi ✓', id: 'p1' });
    expect(await publisher.next()).toEqual([{ type: 'publish', channel: 'chat', count: 1, id: 'p1' }]);
    expect(await listener.next()).toEqual([{ type: 'message', channel: 'chat', message: 'hi ✓' }]);
    expect(node.log.lastOffset()).toBeGreaterThan(0);
  });

  it('lets the read-only token subscribe but not publish, and refuses a missing or wrong token', async () => {
    const node = await startNode();
    const reader = await connect(node, { token: READONLY });
    reader.send({ op: 'subscribe', channels: ['x'] });
    expect(await reader.next()).toEqual([{ type: 'subscribe', channel: 'x', count: 1 }]);
    reader.send({ op: 'publish', channel: 'x', message: 'm' });
    const [refused] = await reader.next();
    expect(refused).toMatchObject({ type: 'error', channel: 'x' });
    expect(String(refused?.['error'])).toMatch(/^NOPERM/);
    for (const token of ['wrong', '']) {
      const status = await new Promise<number | undefined>((resolve) => {
        const ws = new WebSocket(`${node.url.replace('http', 'ws')}/_meridian/pubsub?_token=${token}`);
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
      expect(status).toBe(401);
    }
  });

  it('answers malformed requests with error events and closes on an oversized message', async () => {
    const node = await startNode({ pubsub: { messageBytesMax: 1024 } });
    const client = await connect(node);
    client.ws.send('not json');
    client.send({ op: 'dance' });
    client.send({ op: 'subscribe', channels: 'a' });
    client.send({ op: 'subscribe', channels: [] });
    client.send({ op: 'publish', channel: 'a' });
    const errors = await client.next(5);
    expect(errors.map((event) => event['type'])).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(errors.map((event) => event['error'])).toEqual([
      'ERR a request must be a JSON object',
      'ERR op must be one of subscribe, psubscribe, unsubscribe, punsubscribe, publish',
      'ERR subscribe needs channels: an array of strings',
      'ERR subscribe needs at least one channel',
      'ERR publish needs a string channel and a string message',
    ]);
    client.send({ op: 'publish', channel: 'a', message: 'x'.repeat(2000) });
    expect((await client.closed()).code).toBe(1009);
  });

  it('bounds subscriptions per connection', async () => {
    const node = await startNode({ pubsub: { subscriptionsMax: 2 } });
    const client = await connect(node);
    client.send({ op: 'subscribe', channels: ['a', 'b', 'c'] });
    expect(await client.next()).toEqual([{ type: 'error', error: 'ERR at most 2 subscriptions' }]);
    expect(node.pubsub.subscriberTotal()).toBe(0);
  });

  it('unsubscribes a closed connection at once', async () => {
    const node = await startNode();
    const client = await connect(node);
    client.send({ op: 'subscribe', channels: ['gone'] });
    client.send({ op: 'psubscribe', channels: ['g*'] });
    await client.next(2);
    expect(await command(node, ['PUBSUB', 'NUMSUB', 'gone'])).toEqual(['gone', 1]);
    client.ws.close();
    await until(() => node.pubsub.subscriberTotal() === 0);
    expect(await command(node, ['PUBSUB', 'NUMSUB', 'gone'])).toEqual(['gone', 0]);
    expect(await command(node, ['PUBLISH', 'gone', 'x'])).toBe(0);
  });

  it('disconnects a subscriber that never reads while a reading one keeps receiving', async () => {
    const node = await startNode({ pubsub: { bufferBytesMax: 64 * 1024 } });
    const slow = await connect(node);
    const fast = await connect(node);
    for (const client of [slow, fast]) {
      client.send({ op: 'subscribe', channels: ['flood'] });
      await client.next();
    }
    slow.ws.pause();
    const big = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 400 && node.pubsub.subscriberCount('flood') === 2; i++) {
      await command(node, ['PUBLISH', 'flood', `${i}:${big}`]);
    }
    await until(() => node.pubsub.subscriberCount('flood') === 1);
    const delivered = node.pubsub.subscriberTotal();
    expect(delivered).toBe(1);
    expect(await command(node, ['PUBLISH', 'flood', 'still here'])).toBe(1);
    await until(() => fast.events.at(-1)?.['message'] === 'still here');
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('disconnects a client that sends requests but never reads the replies, within its buffer bound', async () => {
    const node = await startNode({ pubsub: { bufferBytesMax: 64 * 1024, bufferMessagesMax: 1000 } });
    const greedy = await connect(node);
    greedy.send({ op: 'subscribe', channels: ['c'] });
    await greedy.next();
    greedy.ws.pause();
    const closed = greedy.closed();
    let sent = 0;
    // Each unsubscribe of an unknown channel is answered; nobody reads the answers.
    const request = JSON.stringify({ op: 'unsubscribe', channels: ['x'.repeat(200)] });
    while (node.pubsub.subscriberTotal() === 1 && sent < 200_000) {
      for (let i = 0; i < 1000; i++) greedy.ws.send(request);
      sent += 1000;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await until(() => node.pubsub.subscriberTotal() === 0, 10_000);
    expect(sent).toBeLessThan(200_000);
    greedy.ws.resume();
    await closed;
    expect(await command(node, ['PING'])).toBe('PONG');
  });

  it('closes a subscriber over its message bound with code 4008 and the reason, seen once it reads again', async () => {
    const node = await startNode({ pubsub: { bufferBytesMax: 256 * 1024 * 1024, bufferMessagesMax: 20 } });
    const slow = await connect(node);
    slow.send({ op: 'subscribe', channels: ['burst'] });
    await slow.next();
    slow.ws.pause();
    const chunk = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && node.pubsub.subscriberCount('burst') === 1; i++) {
      await command(node, ['PUBLISH', 'burst', `${i}:${chunk}`]);
    }
    expect(node.pubsub.subscriberCount('burst')).toBe(0);
    slow.ws.resume();
    expect(await slow.closed()).toEqual({
      code: 4008,
      reason: 'ERR subscriber too slow: its buffer limit was exceeded',
    });
    const received = slow.events
      .filter((event) => event['type'] === 'message')
      .map((event) => String(event['message']));
    expect(received.map((message) => Number(message.split(':')[0]))).toEqual(received.map((_, i) => i));
  });
});
