import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HistoryFile, MeridianNode, type MeridianNodeOptions, NodeLinks, openRegionStore } from '@meridian/node';

const TOKEN = 'regions-token';
const SECRET = 'regions-secret';
const FAST_REPORTS = { reportIntervalMs: 200, reportChangeDelayMs: 10 };
const root = mkdtempSync(join(tmpdir(), 'meridian-pubsub-regions-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const started: MeridianNode[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const node of started.splice(0).reverse()) await node.close();
});

async function startNode(options: Partial<MeridianNodeOptions> & { region: string }): Promise<MeridianNode> {
  const store = openRegionStore({
    dataDir: mkdtempSync(join(root, `${options.region}-`)),
    region: options.region,
    policy: 'always',
  });
  const replica = options.replication !== undefined && 'primaryUrl' in options.replication;
  const node = new MeridianNode({
    token: TOKEN,
    writeLog: store.log,
    report: () => {},
    pubsub: FAST_REPORTS,
    ...(replica ? { history: new HistoryFile(store.dir) } : {}),
    ...options,
  });
  started.push(node);
  await node.start();
  return node;
}

async function pair(delayMs = 0): Promise<{ primary: MeridianNode; replica: MeridianNode; links: NodeLinks }> {
  const primary = await startNode({ region: 'p', replication: { secret: SECRET, heartbeatMs: 20 } });
  const links = new NodeLinks([{ from: 'r1', to: 'p', delayMs, jitter: undefined, jitterMode: 'per-message' }]);
  const replica = await startNode({
    region: 'r1',
    replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET },
    links,
  });
  await until(() => replica.status()['masterLinkUp'] === true);
  return { primary, replica, links };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A WebSocket subscriber at `node`; resolves once the node confirmed every subscription. */
async function subscribe(node: MeridianNode, op: 'subscribe' | 'psubscribe', names: string[]): Promise<WebSocket> {
  const ws = new WebSocket(`${node.url.replace('http', 'ws')}/_meridian/pubsub?_token=${TOKEN}`);
  clients.push(ws);
  let confirmed = 0;
  ws.on('message', (data: Buffer) => {
    if ((JSON.parse(data.toString()) as { type: string }).type === op) confirmed++;
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ op, channels: names }));
  await until(() => confirmed === names.length);
  return ws;
}

async function command(node: MeridianNode, argv: unknown[]): Promise<unknown> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(argv),
  });
  return ((await response.json()) as { result?: unknown }).result;
}

const reported = (primary: MeridianNode, channel: string): number =>
  primary.pubsubService.regions.receivers(channel, Date.now());

describe("PUBLISH counts the other regions' subscribers, as their replicas report them", () => {
  it('adds the replica region subscribers (channels and matching patterns) to the primary ones', async () => {
    const { primary, replica } = await pair();
    await subscribe(primary, 'subscribe', ['news']);
    await subscribe(replica, 'subscribe', ['news']);
    await subscribe(replica, 'subscribe', ['news', 'sport']);
    await subscribe(replica, 'psubscribe', ['n*', 'x*']);
    await until(() => reported(primary, 'news') === 3);
    expect(await command(primary, ['PUBLISH', 'news', 'm'])).toBe(4);
    // From the replica the command is forwarded to the primary, which counts the same way.
    expect(await command(replica, ['PUBLISH', 'news', 'm'])).toBe(4);
    expect(await command(primary, ['PUBLISH', 'sport', 'm'])).toBe(1);
    expect(await command(primary, ['PUBLISH', 'other', 'm'])).toBe(0);
    // PUBSUB describes the node that answers.
    expect(await command(primary, ['PUBSUB', 'NUMSUB', 'news'])).toEqual(['news', 1]);
    expect(await command(replica, ['PUBSUB', 'NUMSUB', 'news'])).toEqual(['news', 2]);
    expect(primary.status()['pubsub']).toMatchObject({
      subscribers: 1,
      regions: { r1: { subscribers: 3, patterns: 2 } },
    });
  });

  it('drops a region count promptly when its subscribers leave, and when the replica goes away', async () => {
    const { primary, replica } = await pair();
    const ws = await subscribe(replica, 'subscribe', ['news']);
    await subscribe(replica, 'subscribe', ['news']);
    await until(() => reported(primary, 'news') === 2);
    ws.close();
    await until(() => reported(primary, 'news') === 1, 1000);
    expect(await command(primary, ['PUBLISH', 'news', 'm'])).toBe(1);
    await replica.close();
    await until(() => reported(primary, 'news') === 0, 1000);
    expect(await command(primary, ['PUBLISH', 'news', 'm'])).toBe(0);
  });

  it('reports over the lagging replica→primary link and not at all while it is partitioned', async () => {
    const { primary, replica, links } = await pair(150);
    const subscribedAtMs = Date.now();
    await subscribe(replica, 'subscribe', ['late']);
    await until(() => reported(primary, 'late') === 1);
    expect(Date.now() - subscribedAtMs).toBeGreaterThanOrEqual(140);
    links.model('r1', 'p')?.setPartitioned(true);
    await until(() => reported(primary, 'late') === 0, 2000);
    links.model('r1', 'p')?.setPartitioned(false);
    await until(() => reported(primary, 'late') === 1, 5000);
    expect(replica.pubsub.subscriberCount('late')).toBe(1);
  });

  it('refuses a report connection without the replication secret', async () => {
    const { primary } = await pair();
    const status = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(`${primary.url.replace('http', 'ws')}/_meridian/pubsub/regions`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });
});
