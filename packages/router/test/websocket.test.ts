import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { type TestNode, TOKEN, startNodes, threeRegionConfig, urlsOf } from './topology-fixture.js';

// The fixture's nodes are independent primaries: a subscription is visible only at the node that holds it.
const config = threeRegionConfig();
let nodes: Map<string, TestNode>;
let router: MeridianRouter;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  nodes = await startNodes(config);
  router = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), pollIntervalMs: 50 });
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await router?.close();
  for (const node of nodes?.values() ?? []) await node.close();
});

async function numsub(region: string, channel: string): Promise<unknown> {
  const response = await fetch(nodes.get(region)!.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(['PUBSUB', 'NUMSUB', channel]),
  });
  return ((await response.json()) as { result: unknown[] }).result[1];
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function open(path: string, headers: Record<string, string>): { ws: WebSocket; events: Record<string, unknown>[] } {
  const ws = new WebSocket(`${router.url.replace('http', 'ws')}${path}`, { headers });
  sockets.push(ws);
  const events: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => events.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
  return { ws, events };
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

/** The HTTP status a refused upgrade answered with. */
function refusal(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`${router.url.replace('http', 'ws')}${path}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
}

describe('the router passes the WebSocket pub/sub endpoint through', () => {
  it('to the nearest region: subscribe, receive, publish, and the subscription ends with the connection', async () => {
    const { ws, events } = open('/_meridian/pubsub', {
      authorization: `Bearer ${TOKEN}`,
      'x-meridian-region': 'ap-southeast-1',
    });
    await opened(ws);
    ws.send(JSON.stringify({ op: 'subscribe', channels: ['news', 'sport'] }));
    await until(() => events.length >= 2);
    expect(events).toEqual([
      { type: 'subscribe', channel: 'news', count: 1 },
      { type: 'subscribe', channel: 'sport', count: 2 },
    ]);
    // Held by the Singapore node, not the others.
    expect(await numsub('ap-southeast-1', 'news')).toBe(1);
    expect(await numsub('us-east-1', 'news')).toBe(0);
    expect(await numsub('eu-west-1', 'news')).toBe(0);
    // A message bigger than one TCP segment crosses the splice intact, in both directions.
    const big = 'x'.repeat(200_000);
    ws.send(JSON.stringify({ op: 'publish', channel: 'news', message: big, id: 7 }));
    await until(() => events.length >= 4);
    const [message, reply] = [events[2], events[3]].sort((a) => (a?.['type'] === 'message' ? -1 : 1));
    expect(message).toEqual({ type: 'message', channel: 'news', message: big });
    expect(reply).toEqual({ type: 'publish', channel: 'news', count: 1, id: 7 });
    ws.close();
    await until(async () => (await numsub('ap-southeast-1', 'news')) === 0);
  });

  it('relays the region refusing a bad token, and refuses other upgrade paths itself', async () => {
    const badToken = await refusal('/_meridian/pubsub?_token=wrong', { 'x-meridian-region': 'eu-west-1' });
    expect(badToken.status).toBe(401);
    expect(JSON.parse(badToken.body)).toEqual({ error: 'Unauthorized' });
    const elsewhere = await refusal('/_meridian/replication', { authorization: `Bearer ${TOKEN}` });
    expect(elsewhere.status).toBe(404);
    expect(JSON.parse(elsewhere.body)).toEqual({
      error: 'ERR no WebSocket endpoint at /_meridian/replication (the router proxies /_meridian/pubsub)',
    });
    const badRegion = await refusal('/_meridian/pubsub', {
      authorization: `Bearer ${TOKEN}`,
      'x-meridian-region': 'mars-north-1',
    });
    expect(badRegion.status).toBe(400);
    expect(JSON.parse(badRegion.body).error).toMatch(/x-meridian-region/);
    // The router still serves REST after all of it.
    const ping = await fetch(`${router.url}/ping`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await ping.json()).toEqual({ result: 'PONG' });
  });

  it('tries the next region when the nearest one cannot be reached', async () => {
    await nodes.get('eu-west-1')!.close();
    const { ws, events } = open('/_meridian/pubsub', {
      authorization: `Bearer ${TOKEN}`,
      'x-meridian-region': 'eu-west-1',
    });
    await opened(ws);
    ws.send(JSON.stringify({ op: 'subscribe', channels: ['failover'] }));
    await until(() => events.length >= 1);
    // Ireland is down: N. Virginia is the next nearest.
    expect(await numsub('us-east-1', 'failover')).toBe(1);
    expect(await numsub('ap-southeast-1', 'failover')).toBe(0);
    ws.close();
  });
});
