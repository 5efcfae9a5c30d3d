import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryFile, MeridianNode, openRegionStore } from '@meridian/node';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { parseTopology } from '@meridian/topology';

// Prometheus metrics on every node and the router, scraped over real HTTP and checked with
// Debian's promtool (package prometheus) when it is installed.
const TOKEN = 'metrics-token';
const ADMIN = 'metrics-admin';
const METRICS = 'metrics-scraper';
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => existsSync(path));
if (PROMTOOL === undefined && process.env['MERIDIAN_REQUIRE_PROMTOOL'] === '1') {
  throw new Error('promtool is required here (MERIDIAN_REQUIRE_PROMTOOL=1): apt-get install prometheus');
}
if (PROMTOOL === undefined)
  console.warn('metrics: promtool not installed (apt-get install prometheus): its check is skipped');

let dir: string;
let primary: MeridianNode;
let replica: MeridianNode;
let router: MeridianRouter;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-metrics-'));
  const common = { token: TOKEN, adminToken: ADMIN, metricsToken: METRICS, report: () => undefined };
  primary = new MeridianNode({
    ...common,
    region: 'us-east-1',
    writeLog: openRegionStore({ dataDir: dir, region: 'us-east-1', policy: 'everysec' }).log,
    replication: { secret: 's', heartbeatMs: 20 },
  });
  await primary.start();
  const store = openRegionStore({ dataDir: dir, region: 'eu-west-1', policy: 'everysec' });
  replica = new MeridianNode({
    ...common,
    region: 'eu-west-1',
    writeLog: store.log,
    history: new HistoryFile(store.dir),
    replication: { primaryUrl: primary.url, primaryRegion: 'us-east-1', secret: 's' },
  });
  await replica.start();
  const config = parseTopology(
    `version: 1\nprimary: us-east-1\nregions:\n  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, port: 65001 }\n  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, port: 65002 }\nrouter: { port: 65000, region: us-east-1 }\nauth: { token: ${TOKEN}, adminToken: ${ADMIN} }\n`,
    'metrics.yaml',
  );
  router = await startRouter({
    config,
    port: 0,
    regionUrls: { 'us-east-1': primary.url, 'eu-west-1': replica.url },
    pollIntervalMs: 50,
    metricsToken: METRICS,
  });
});

afterAll(async () => {
  await router?.close();
  await replica?.close();
  await primary?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(url: string, token = METRICS): Promise<{ status: number; text: string }> {
  const answer = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  return { status: answer.status, text: await answer.text() };
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('/metrics', () => {
  it('counts commands per name, follows replication, and refuses other tokens', async () => {
    const redis = new Redis({ url: router.url, token: TOKEN, enableAutoPipelining: false });
    const before =
      value((await scrape(primary.url)).text, 'meridian_commands_total{command="set",region="us-east-1"}') ?? 0;
    await redis.set('a', '1');
    await redis.set('b', '2');
    await redis.incr('n');
    const after = (await scrape(primary.url)).text;
    expect(value(after, 'meridian_commands_total{command="set",region="us-east-1"}')).toBe(before + 2);
    expect(value(after, 'meridian_commands_total{command="incr",region="us-east-1"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'meridian_role_primary{region="us-east-1"}')).toBe(1);
    expect(value(after, 'meridian_replica_full_resyncs{region="us-east-1"}')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(
      /^meridian_replica_backlog_bytes\{(?=.*replica="eu-west-1")(?=.*region="us-east-1").*\} \d+$/m,
    );
    const offset = primary.log.lastOffset();
    await until(
      async () =>
        value((await scrape(replica.url)).text, 'meridian_replication_applied_offset{region="eu-west-1"}') === offset,
    );
    const replicaText = (await scrape(replica.url, ADMIN)).text;
    expect(value(replicaText, 'meridian_replication_applied_offset{region="eu-west-1"}')).toBe(offset);
    expect(value(replicaText, 'meridian_role_primary{region="eu-west-1"}')).toBe(0);
    expect((await scrape(primary.url, TOKEN)).status).toBe(401);
    expect((await scrape(router.url, 'wrong')).status).toBe(401);
  });

  it('the router counts requests by serving region and shows every region', async () => {
    await fetch(`${router.url}/get/a`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'x-meridian-region': 'eu-west-1' },
    });
    await until(async () =>
      (await scrape(router.url)).text.includes('meridian_router_region_healthy{region="eu-west-1"} 1'),
    );
    const text = (await scrape(router.url)).text;
    expect(value(text, 'meridian_router_requests_total{served_by="eu-west-1",status="2xx"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'meridian_router_region_primary{region="us-east-1"}')).toBe(1);
  });

  it.runIf(PROMTOOL !== undefined)('passes promtool check metrics on the node and the router', async () => {
    for (const url of [primary.url, replica.url, router.url]) {
      const { text } = await scrape(url);
      // promtool exits non-zero on a malformed exposition or a lint problem (names, units, help).
      let out: string;
      try {
        out = execFileSync(PROMTOOL as string, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        throw new Error(`promtool on ${url}: ${failed.stdout ?? ''}${failed.stderr ?? ''}`);
      }
      expect(out).toBe('');
    }
  });
});
