import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { ADMIN, type TestNode, TOKEN, startNodes, threeRegionConfig, urlsOf } from './topology-fixture.js';

const config = threeRegionConfig();
let nodes: Map<string, TestNode>;
let router: MeridianRouter;

beforeAll(async () => {
  nodes = await startNodes(config);
  nodes.get('eu-west-1')!.stalenessMs = 40;
  nodes.get('ap-southeast-1')!.stalenessMs = 250;
  router = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), pollIntervalMs: 50 });
});

afterAll(async () => {
  await router?.close();
  for (const node of nodes?.values() ?? []) await node.close();
});

async function send(path: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
  return fetch(`${router.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

const servedBy = (response: Response): string | null => response.headers.get('x-meridian-served-by');

describe('routing by client location', () => {
  it('serves reads from the client region and writes from the primary', async () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-1']) {
      const read = await send('/', { 'x-meridian-region': region }, '["GET","k"]');
      expect(read.status).toBe(200);
      expect(servedBy(read)).toBe(region);
      const write = await send('/', { 'x-meridian-region': region }, '["SET","k","v"]');
      expect(await write.json()).toEqual({ result: 'OK' });
      expect(servedBy(write)).toBe('us-east-1');
    }
  });

  it('ranks regions from a lat,lon location and defaults to the router region', async () => {
    expect(servedBy(await send('/get/k', { 'x-meridian-location': '13.7,100.5' }))).toBe('ap-southeast-1');
    expect(servedBy(await send('/get/k', { 'x-meridian-location': '48.8, 2.3' }))).toBe('eu-west-1');
    expect(servedBy(await send('/get/k'))).toBe('us-east-1');
  });

  it('sends pipelines with a write, transactions and path-form writes to the primary', async () => {
    const from = { 'x-meridian-region': 'ap-southeast-1' };
    expect(servedBy(await send('/pipeline', from, '[["GET","a"],["GET","b"]]'))).toBe('ap-southeast-1');
    expect(servedBy(await send('/pipeline', from, '[["GET","a"],["INCR","n"]]'))).toBe('us-east-1');
    expect(servedBy(await send('/multi-exec', from, '[["INCR","n"]]'))).toBe('us-east-1');
    const streamed = await send('/set/streamed', from, 'x'.repeat(100_000));
    expect(servedBy(streamed)).toBe('us-east-1');
    expect(await streamed.json()).toEqual({ result: 'OK' });
    const check = await nodes.get('us-east-1')!.handle({
      method: 'GET',
      url: '/strlen/streamed',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: Buffer.alloc(0),
    });
    expect(check.body).toBe('{"result":100000}');
  });

  it('passes errors, auth failures and sync tokens through unchanged', async () => {
    const unauthorized = await fetch(`${router.url}/get/k`, { headers: { 'x-meridian-region': 'eu-west-1' } });
    expect(unauthorized.status).toBe(401);
    const wrongType = await send('/', { 'x-meridian-region': 'us-east-1' }, '["LPUSH","k","x"]');
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
    expect(wrongType.headers.get('upstash-sync-token')).toMatch(/^[0-9a-f]+:\d+$/);
  });
});

describe('consistency', () => {
  const sg = { 'x-meridian-region': 'ap-southeast-1' };

  it('skips replicas staler than a bounded read allows', async () => {
    const within = await send('/get/k', { ...sg, 'x-meridian-consistency': 'bounded=100' });
    expect(servedBy(within)).toBe('eu-west-1');
    // The node's own header passes through (these test nodes are primaries of their own, so 0).
    expect(within.headers.get('x-meridian-staleness-ms')).toBe('0');
    expect(servedBy(await send('/get/k', { ...sg, 'x-meridian-consistency': 'bounded=10' }))).toBe('us-east-1');
    expect(servedBy(await send('/get/k', { ...sg, 'x-meridian-consistency': 'bounded=1000' }))).toBe('ap-southeast-1');
  });

  it('serves strong reads from the primary and uses session when a sync token comes without a header', async () => {
    const strong = await send('/get/k', { ...sg, 'x-meridian-consistency': 'strong' });
    expect(servedBy(strong)).toBe('us-east-1');
    const session = await send('/get/k', { ...sg, 'upstash-sync-token': 'abc:3' });
    expect(session.headers.get('x-meridian-consistency')).toBe('session');
    expect(servedBy(session)).toBe('ap-southeast-1');
    const garbage = await send('/get/k', { ...sg, 'upstash-sync-token': 'my-new-sync-token' });
    expect(garbage.headers.get('x-meridian-consistency')).toBe('eventual');
  });

  it('refuses malformed routing headers with 400', async () => {
    const badLevel = await send('/get/k', { 'x-meridian-consistency': 'linearizable' });
    expect(badLevel.status).toBe(400);
    expect(((await badLevel.json()) as { error: string }).error).toContain('x-meridian-consistency');
    const badRegion = await send('/get/k', { 'x-meridian-region': 'mars-1' });
    expect(await badRegion.json()).toEqual({
      error: 'ERR unknown region "mars-1" in x-meridian-region (regions are: us-east-1, eu-west-1, ap-southeast-1)',
    });
    expect((await send('/get/k', { 'x-meridian-location': '95,0' })).status).toBe(400);
  });
});

describe('the router itself', () => {
  it('answers health without a token and status with the admin token', async () => {
    expect((await fetch(`${router.url}/_meridian/health`)).status).toBe(200);
    expect((await fetch(`${router.url}/_meridian/status`)).status).toBe(401);
    const status = await fetch(`${router.url}/_meridian/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await status.json()) as { regions: { name: string; healthy: boolean; stalenessMs: number }[] };
    expect(body.regions.map((region) => [region.name, region.healthy, region.stalenessMs])).toEqual([
      ['us-east-1', true, 0],
      ['eu-west-1', true, 40],
      ['ap-southeast-1', true, 250],
    ]);
  });

  it('limits request bodies and answers preflights', async () => {
    const limited = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), requestBytesMax: 1000 });
    try {
      const tooLarge = await fetch(`${limited.url}/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(['SET', 'k', 'x'.repeat(2000)]),
      });
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toEqual({ error: 'ERR max request size exceeded' });
      const preflight = await fetch(`${limited.url}/`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('x-meridian-region');
    } finally {
      await limited.close();
    }
  });

  it('streams server-sent events without buffering them', async () => {
    const response = await send(
      '/subscribe/news',
      { 'x-meridian-region': 'eu-west-1', accept: 'text/event-stream' },
      '[]',
    );
    expect(servedBy(response)).toBe('eu-west-1');
    const reader = response.body!.getReader();
    const started = Date.now();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('data: event-0\n\n');
    expect(Date.now() - started).toBeLessThan(90);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += Buffer.from(chunk.value).toString();
    expect(rest).toBe('data: event-1\n\ndata: event-2\n\n');
  });

  it('adds the modelled client latency when configured', async () => {
    const slow = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), addClientLatency: true });
    try {
      const started = performance.now();
      const response = await fetch(`${slow.url}/get/k`, {
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'x-meridian-region': 'ap-southeast-1',
          'x-meridian-consistency': 'strong',
        },
      });
      await response.text();
      // Singapore ↔ N. Virginia: ≈ 100 ms each way.
      expect(performance.now() - started).toBeGreaterThan(190);
      const local = performance.now();
      await (
        await fetch(`${slow.url}/get/k`, {
          headers: { authorization: `Bearer ${TOKEN}`, 'x-meridian-region': 'us-east-1' },
        })
      ).text();
      expect(performance.now() - local).toBeLessThan(150);
    } finally {
      await slow.close();
    }
  });
});
