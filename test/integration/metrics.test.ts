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

  it('times SQLite group commits, WAIT and sync-token waits; counts pub/sub deliveries; shows the apply queue', async () => {
    const count = (text: string, series: string): number => value(text, series) ?? 0;
    const before = (await scrape(primary.url)).text;
    const commitsBefore = count(before, 'meridian_log_commit_batch_entries_count{region="us-east-1"}');
    const entriesBefore = count(before, 'meridian_log_commit_batch_entries_sum{region="us-east-1"}');
    const call = async (url: string, body: unknown[], headers: Record<string, string> = {}): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        body: JSON.stringify(body),
      });
    const pipeline = await call(`${primary.url}/pipeline`, [
      ['SET', 'c1', '1'],
      ['SET', 'c2', '2'],
      ['SET', 'c3', '3'],
    ]);
    expect(pipeline.status).toBe(200);
    // WAIT 1 replica: the replica acknowledges, so the wait is reached.
    expect(await (await call(primary.url, ['WAIT', '1', '5000'])).json()).toEqual({ result: 1 });
    const after = (await scrape(primary.url)).text;
    expect(count(after, 'meridian_log_commit_batch_entries_count{region="us-east-1"}')).toBeGreaterThan(commitsBefore);
    expect(count(after, 'meridian_log_commit_batch_entries_sum{region="us-east-1"}')).toBeGreaterThanOrEqual(
      entriesBefore + 1,
    );
    expect(after).toMatch(/^meridian_log_commit_duration_seconds_count\{region="us-east-1"\} [1-9]\d*$/m);
    expect(
      count(after, 'meridian_wait_duration_seconds_count{region="us-east-1",kind="replica_acks",outcome="reached"}'),
    ).toBeGreaterThanOrEqual(1);
    // A read on the replica with a sync token it has not reached waits for it (here in vain: the token
    // is ahead of the primary too), up to syncWaitMsMax.
    const [history, offset] = (pipeline.headers.get('upstash-sync-token') as string).split(':') as [string, string];
    await fetch(`${replica.url}/get/c3`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'upstash-sync-token': `${history}:${Number(offset) + 1000}` },
    });
    const replicaText = (await scrape(replica.url)).text;
    expect(replicaText).toMatch(
      /^meridian_wait_duration_seconds_count\{region="eu-west-1",kind="sync_token",outcome="timeout"\} [1-9]\d*$/m,
    );
    expect(replicaText).toMatch(/^meridian_replication_apply_queue_entries\{region="eu-west-1"\} \d+$/m);
    expect(replicaText).toMatch(/^meridian_log_commit_batch_entries_count\{region="eu-west-1"\} [1-9]\d*$/m);
    // A subscriber on the replica receives a message published at the primary: one delivery there.
    const deliveriesBefore = count(replicaText, 'meridian_pubsub_deliveries_total{region="eu-west-1"}');
    const events = await fetch(`${replica.url}/subscribe/metrics-channel`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    await until(async () => {
      const subscribers = (await scrape(replica.url)).text;
      return count(subscribers, 'meridian_pubsub_subscribers{region="eu-west-1"}') >= 1;
    });
    await until(async () => {
      await call(primary.url, ['PUBLISH', 'metrics-channel', 'hello']);
      const text = (await scrape(replica.url)).text;
      return count(text, 'meridian_pubsub_deliveries_total{region="eu-west-1"}') > deliveriesBefore;
    });
    await reader.cancel();
    expect(
      count((await scrape(replica.url)).text, 'meridian_pubsub_deliveries_total{region="eu-west-1"}'),
    ).toBeGreaterThan(deliveriesBefore);
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
