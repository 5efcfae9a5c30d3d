import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { type TestNode, TOKEN, startNodes, threeRegionConfig, urlsOf } from './topology-fixture.js';

const config = threeRegionConfig();
let nodes: Map<string, TestNode>;
let router: MeridianRouter;

beforeAll(async () => {
  nodes = await startNodes(config);
  router = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), pollIntervalMs: 5_000 });
});

afterAll(async () => {
  await router?.close();
  for (const node of nodes?.values() ?? []) await node.close();
});

function send(from: string, body: string): Promise<Response> {
  return fetch(`${router.url}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'x-meridian-region': from },
    body,
  });
}

describe('failover', () => {
  it('fails a read over to the next region when a replica stops answering, before the next poll', async () => {
    await nodes.get('eu-west-1')!.close();
    const read = await send('eu-west-1', '["GET","k"]');
    expect(read.status).toBe(200);
    expect(read.headers.get('x-meridian-served-by')).toBe('us-east-1');
    const view = router.monitor.view('eu-west-1')!;
    expect(view.healthy).toBe(false);
    expect(view.error).toContain('ECONNREFUSED');
  });

  it('answers writes with 503 when the primary is down while reads keep working', async () => {
    await nodes.get('us-east-1')!.close();
    const write = await send('ap-southeast-1', '["SET","k","v"]');
    expect(write.status).toBe(503);
    const { error } = (await write.json()) as { error: string };
    expect(error).toMatch(/^ERR primary unreachable: us-east-1 \(http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const again = await send('eu-west-1', '["INCR","n"]');
    expect(again.status).toBe(503);
    const read = await send('eu-west-1', '["GET","k"]');
    expect(read.status).toBe(200);
    expect(read.headers.get('x-meridian-served-by')).toBe('ap-southeast-1');
    const strong = await fetch(`${router.url}/get/k`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-meridian-consistency': 'strong' },
    });
    expect(strong.status).toBe(503);
  });
});
