import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { NodeLinks } from '@meridian/node';
import { ADMIN, type TestNode, TOKEN, startNodes, threeRegionConfig, urlsOf } from './topology-fixture.js';

/** The dashboard's endpoints on the router, without a browser (the Chromium tests are in test/browser). */
const config = threeRegionConfig();
let nodes: Map<string, TestNode>;
let router: MeridianRouter;

beforeAll(async () => {
  nodes = await startNodes(config, (region) =>
    region === 'us-east-1'
      ? new NodeLinks([
          { from: 'us-east-1', to: 'eu-west-1', delayMs: 30, jitter: undefined, jitterMode: 'per-message' },
          { from: 'us-east-1', to: 'ap-southeast-1', delayMs: 100, jitter: undefined, jitterMode: 'per-message' },
        ])
      : new NodeLinks([{ from: region, to: 'us-east-1', delayMs: 50, jitter: undefined, jitterMode: 'per-message' }]),
  );
  router = await startRouter({
    config,
    port: 0,
    regionUrls: urlsOf(nodes),
    pollIntervalMs: 50,
    dashboardSampleIntervalMs: 50,
  });
});

afterAll(async () => {
  await router?.close();
  for (const node of nodes?.values() ?? []) await node.close();
});

const admin = { authorization: `Bearer ${ADMIN}` };

describe('the dashboard endpoints', () => {
  it('serve one self-contained page: inline script, style and map, nothing fetched from elsewhere', async () => {
    const page = await fetch(`${router.url}/_meridian/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<svg id="map"');
    expect(html).toContain('class="land"');
    expect(html).toMatch(/<script type="module">[\s\S]*sessionStorage[\s\S]*<\/script>/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(http/);
  });

  it('refuse snapshots, streams, the report and lag changes without the admin token', async () => {
    for (const path of ['/_meridian/ui/snapshot', '/_meridian/ui/stream', '/_meridian/ui/report', '/_meridian/lag']) {
      const answer = await fetch(`${router.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(answer.status).toBe(401);
    }
  });

  it('snapshot every region with its place, traffic figures and links', async () => {
    await fetch(`${nodes.get('eu-west-1')!.url}/get/k`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const snapshot = (await (await fetch(`${router.url}/_meridian/ui/snapshot`, { headers: admin })).json()) as {
      primary: string;
      regions: { name: string; lat: number; isPrimary: boolean; healthy: boolean; commandsPerSecond: number | null }[];
      links: {
        replica: string;
        toReplica: { delayMs: number } | null;
        toPrimary: { delayMs: number } | null;
        health: string;
      }[];
    };
    expect(snapshot.primary).toBe('us-east-1');
    expect(snapshot.regions.map((region) => region.name)).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    expect(snapshot.regions.find((region) => region.name === 'eu-west-1')).toMatchObject({ lat: 53.3, healthy: true });
    expect(snapshot.regions.find((region) => region.name === 'eu-west-1')?.commandsPerSecond).toBeGreaterThan(0);
    expect(snapshot.links.map((link) => [link.replica, link.toReplica?.delayMs, link.toPrimary?.delayMs])).toEqual([
      ['eu-west-1', 30, 50],
      ['ap-southeast-1', 100, 50],
    ]);
  });

  it('apply a lag change on every node, and pass a node’s refusal on', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${router.url}/_meridian/lag`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    const bad = await post({ action: 'explode' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^ERR action: must be one of/);
    expect((await post({ action: 'partition', from: 'ap-southeast-1', to: 'us-east-1' })).status).toBe(200);
    expect((await post({ action: 'partition', from: 'us-east-1', to: 'ap-southeast-1' })).status).toBe(200);
    const snapshot = (await (await fetch(`${router.url}/_meridian/ui/snapshot`, { headers: admin })).json()) as {
      links: { replica: string; health: string }[];
    };
    expect(snapshot.links.find((link) => link.replica === 'ap-southeast-1')?.health).toBe('partitioned');
    expect(snapshot.links.find((link) => link.replica === 'eu-west-1')?.health).not.toBe('partitioned');
    const shown = (await (await fetch(`${router.url}/_meridian/lag`, { headers: admin })).json()) as {
      regions: { region: string; links: { to: string; partitioned: boolean }[] }[];
    };
    const partitioned = shown.regions.flatMap((region) =>
      region.links.filter((link) => link.partitioned).map((link) => `${region.region}→${link.to}`),
    );
    expect(partitioned.sort()).toEqual(['ap-southeast-1→us-east-1', 'us-east-1→ap-southeast-1']);
    expect((await post({ action: 'clear' })).status).toBe(200);
  });
});
