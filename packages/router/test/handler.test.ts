import { VirtualClock } from '@meridian/lag';
import {
  FunctionRegionClient,
  type RegionCallResult,
  type RegionClient,
  type RegionRequest,
  RegionMonitor,
  RouterHandler,
  type RouterResponse,
  readAnswer,
} from '@meridian/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, TestNode, TOKEN, threeRegionConfig } from './topology-fixture.js';

// The router as a function: real nodes answer through their RestHandler, the router through
// RouterHandler.handle, polls and modelled latency on a virtual clock. No socket, no wall-clock wait.

/** A node that is not listening (no socket) but says it is ready. */
class InProcessNode extends TestNode {
  /** What a replica cut off again and again reports (issue 12): up, but not to be read from. */
  cutOffsInARow = 0;
  override status(): Record<string, unknown> {
    const healthy = this.cutOffsInARow < 3;
    return { ...super.status(), ready: true, healthy, cutOffsInARow: this.cutOffsInARow };
  }
}

const config = threeRegionConfig();
const urlOf = (region: string): string => `mem://${region}`;
let nodes: Map<string, InProcessNode>;
let client: FunctionRegionClient;
let clock: VirtualClock;
let monitor: RegionMonitor;

function router(addClientLatency = false): RouterHandler {
  return new RouterHandler({ config, views: monitor, client, clock, forwardTimeoutMs: 1000, addClientLatency });
}

beforeAll(() => {
  nodes = new Map(
    config.regions.map((region) => [
      region.name,
      new InProcessNode({ token: TOKEN, adminToken: ADMIN, region: region.name, port: 0 }),
    ]),
  );
  nodes.get('eu-west-1')!.stalenessMs = 40;
  nodes.get('ap-southeast-1')!.stalenessMs = 250;
  client = new FunctionRegionClient(new Map([...nodes].map(([name, node]) => [urlOf(name), (r) => node.handle(r)])));
  clock = new VirtualClock(1_000);
  monitor = new RegionMonitor({
    regions: config.regions.map((r) => ({ name: r.name, url: urlOf(r.name), isPrimary: r.name === config.primary })),
    statusToken: ADMIN,
    pollIntervalMs: 100,
    pollTimeoutMs: 100,
    client,
    clock,
  });
});

afterAll(async () => {
  for (const node of nodes.values()) await node.close();
});

async function call(
  handler: RouterHandler,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ response: RouterResponse; text: string }> {
  const response = await handler.handle({
    method: 'POST',
    url: path,
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body: Buffer.from(body),
  });
  const bytes = await readAnswer(
    typeof response.body === 'string' ? new TextEncoder().encode(response.body) : response.body,
    1 << 20,
  );
  return { response, text: new TextDecoder().decode(bytes) };
}

describe('RouterHandler, the router as a function', () => {
  it('lets only reads the region answers at once be pipelined: eventual and strong, not session, bounded or writes', async () => {
    await monitor.pollAll();
    const sent: RegionRequest[] = [];
    const recording: RegionClient = {
      send: (url: string, request: RegionRequest): Promise<RegionCallResult> => {
        sent.push(request);
        return client.send(url, request);
      },
    };
    const handler = new RouterHandler({ config, views: monitor, client: recording, clock, forwardTimeoutMs: 1000 });
    const cases: [string, Record<string, string>, string][] = [
      ['/get/k', {}, 'eventual read'],
      ['/get/k', { 'x-meridian-consistency': 'strong' }, 'strong read'],
      ['/get/k', { 'x-meridian-consistency': 'session' }, 'session read'],
      ['/get/k', { 'upstash-sync-token': 'a:1' }, 'read with a sync token'],
      ['/get/k', { 'x-meridian-consistency': 'bounded=1000' }, 'bounded read'],
      ['/set/k/v', {}, 'write'],
      ['/pipeline', {}, 'pipeline of reads'],
    ];
    for (const [path, headers] of cases)
      await call(handler, path, headers, path === '/pipeline' ? '[["GET","a"],["GET","b"]]' : '');
    expect(Object.fromEntries(sent.map((request, i) => [cases[i]?.[2], request.pipelinable]))).toEqual({
      'eventual read': true,
      'strong read': true,
      'session read': false,
      'read with a sync token': false,
      'bounded read': false,
      write: false,
      'pipeline of reads': false,
    });
  });

  it('routes reads to the client region, writes to the primary, bounded reads past stale replicas', async () => {
    await monitor.pollAll();
    const handler = router();
    const write = await call(handler, '/', { 'x-meridian-region': 'ap-southeast-1' }, '["SET","k","v"]');
    expect(write.text).toBe('{"result":"OK"}');
    expect(write.response.headers['x-meridian-served-by']).toBe('us-east-1');
    const read = await call(handler, '/get/k', { 'x-meridian-region': 'eu-west-1' });
    expect(read.response.headers['x-meridian-served-by']).toBe('eu-west-1');
    expect(read.response.headers['x-meridian-consistency']).toBe('eventual');
    const bounded = await call(handler, '/get/k', {
      'x-meridian-region': 'ap-southeast-1',
      'x-meridian-consistency': 'bounded=100',
    });
    // Singapore is 250 ms stale: the nearest region within 100 ms answers.
    expect(bounded.response.headers['x-meridian-served-by']).not.toBe('ap-southeast-1');
    const bad = await call(handler, '/get/k', { 'x-meridian-consistency': 'soon' });
    expect(bad.response.status).toBe(400);
    expect(bad.text).toContain('x-meridian-consistency must be eventual, session, bounded=<ms> or strong');
  });

  it('plans the same regions when the plan is transient (reused by the next transient plan) as when it is kept', async () => {
    await monitor.pollAll();
    const handler = router();
    const cases: [string, Record<string, string>][] = [
      ['/get/k', { 'x-meridian-region': 'eu-west-1' }],
      ['/get/k', { 'x-meridian-region': 'ap-southeast-1', 'x-meridian-consistency': 'bounded=100' }],
      ['/get/k', { 'x-meridian-region': 'ap-southeast-1', 'x-meridian-consistency': 'strong' }],
      ['/get/k', { 'x-meridian-location': '48.85,2.35' }],
      ['/set/k/v', { 'x-meridian-region': 'eu-west-1' }],
      ['/get/k', { 'x-meridian-consistency': 'soon' }],
      ['/get/k', { 'x-meridian-region': 'eu-west-1', 'x-meridian-location': '1,2' }],
    ];
    const planOf = (path: string, headers: Record<string, string>, transient: boolean) =>
      handler.plan({ method: 'GET', url: path, headers, body: Buffer.alloc(0) }, transient);
    let previous: ReturnType<typeof planOf> | undefined;
    for (const [path, headers] of cases) {
      const kept = planOf(path, headers, false);
      const transient = planOf(path, headers, true);
      const summary = (plan: ReturnType<typeof planOf>) =>
        plan.kind === 'forward'
          ? { regions: [...plan.regions], reason: plan.reason, consistency: plan.routed.consistency }
          : { status: plan.response.status, body: plan.response.body, reason: plan.reason };
      expect(summary(transient), `${path} ${JSON.stringify(headers)}`).toEqual(summary(kept));
      if (transient.kind === 'forward' && previous?.kind === 'forward') expect(transient).toBe(previous);
      if (transient.kind === 'forward') previous = transient;
      // A kept plan is its own: the transient call after it changed nothing of it.
      expect(kept).not.toBe(transient);
    }
    // The same client location asked again after others: the same ranking, the same regions.
    expect(planOf('/get/k', { 'x-meridian-region': 'eu-west-1' }, false)).toMatchObject({
      kind: 'forward',
      regions: expect.arrayContaining(['eu-west-1']),
    });
  });

  it('fails over to the next region when one is cut off, and answers 503 when writes cannot reach the primary', async () => {
    await monitor.pollAll();
    const handler = router();
    client.cutOff(urlOf('eu-west-1'));
    const read = await call(handler, '/get/k', { 'x-meridian-region': 'eu-west-1' });
    expect(read.response.status).toBe(200);
    expect(read.response.headers['x-meridian-served-by']).not.toBe('eu-west-1');
    expect(monitor.view('eu-west-1')?.healthy).toBe(false);
    client.cutOff(urlOf('us-east-1'));
    const write = await call(handler, '/set/k/w');
    expect(write.response.status).toBe(503);
    expect(write.response.headers['retry-after']).toBe('1');
    expect(write.text).toContain('primary unreachable');
    client.heal(urlOf('eu-west-1'));
    client.heal(urlOf('us-east-1'));
    await monitor.pollAll();
    expect(monitor.view('eu-west-1')?.healthy).toBe(true);
    expect((await call(handler, '/set/k/w')).response.status).toBe(200);
  });

  it('sends no reads to a replica that reports itself unhealthy (cut off again and again), and uses it again once healthy', async () => {
    const handler = router();
    const eu = nodes.get('eu-west-1')!;
    eu.cutOffsInARow = 3;
    try {
      await monitor.pollAll();
      expect(monitor.view('eu-west-1')?.healthy).toBe(false);
      const read = await call(handler, '/get/k', { 'x-meridian-region': 'eu-west-1' });
      expect(read.response.status).toBe(200);
      expect(read.response.headers['x-meridian-served-by']).not.toBe('eu-west-1');
    } finally {
      eu.cutOffsInARow = 0;
    }
    await monitor.pollAll();
    const again = await call(handler, '/get/k', { 'x-meridian-region': 'eu-west-1' });
    expect(again.response.headers['x-meridian-served-by']).toBe('eu-west-1');
  });

  it('polls on the clock it is given', async () => {
    await monitor.start();
    try {
      client.cutOff(urlOf('ap-southeast-1'));
      expect(monitor.view('ap-southeast-1')?.healthy).toBe(true);
      clock.advance(100);
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(monitor.view('ap-southeast-1')?.healthy).toBe(false);
    } finally {
      monitor.stop();
      client.heal(urlOf('ap-southeast-1'));
      await monitor.pollAll();
    }
  });

  it('adds the modelled client latency on the virtual clock, both ways', async () => {
    const handler = router(true);
    let settled = false;
    // A write from Singapore travels to the primary in us-east-1 and back.
    const pending = call(handler, '/set/k/v2', { 'x-meridian-region': 'ap-southeast-1' }).then((r) => {
      settled = true;
      return r;
    });
    const flush = async (): Promise<void> => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    await flush();
    expect(settled).toBe(false);
    clock.advance(10_000);
    await flush();
    clock.advance(10_000);
    await flush();
    const { response, text } = await pending;
    expect(settled).toBe(true);
    expect(text).toBe('{"result":"OK"}');
    expect(response.headers['x-meridian-served-by']).toBe('us-east-1');
  });

  it('answers its own endpoints: health before and after ready, status only with the admin token', async () => {
    const handler = router();
    const health = (): Promise<RouterResponse> =>
      handler.handle({ method: 'GET', url: '/_meridian/health', headers: {}, body: Buffer.alloc(0) });
    expect((await health()).status).toBe(503);
    handler.ready = true;
    expect((await health()).status).toBe(200);
    const status = (token: string): Promise<RouterResponse> =>
      handler.handle({
        method: 'GET',
        url: '/_meridian/status',
        headers: { authorization: `Bearer ${token}` },
        body: Buffer.alloc(0),
      });
    expect((await status('wrong')).status).toBe(401);
    const ok = await status(ADMIN);
    expect(ok.status).toBe(200);
    const body = JSON.parse(String(ok.body)) as { role: string; regions: { name: string }[] };
    expect(body.role).toBe('router');
    expect(body.regions.map((r) => r.name)).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
  });
});
