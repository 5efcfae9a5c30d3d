import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/topology-fixture.js';
import {
  CHROMIUM,
  ENV,
  ROOT,
  type Topology,
  artifactPath,
  browserMissing,
  bundleSdk,
  startPageServer,
  startTopology,
  waitFor,
} from './support.js';

/**
 * In Debian's Chromium, against five real region processes and the router (`meridian up`, started
 * once for both parts):
 *
 * 1. The real `@upstash/redis` SDK, bundled from npm into a page served from another origin: every
 *    request goes through the browser's CORS checks (preflight with the SDK's telemetry, encoding and
 *    sync-token headers; the sync token read from the answer; SSE for subscriptions).
 * 2. The live dashboard at /_meridian/ui: it loads behind the admin token, shows every region where
 *    regions.yaml puts it, a partition made through its controls is cut on the map and in
 *    `meridian lag show`, and its figures move while a load runs. Screenshots go to test-artifacts/
 *    (and, with MERIDIAN_DOCS_SCREENSHOT=1, to docs/dashboard.png for the README).
 */
let topology: Topology;
let browser: Browser;

beforeAll(async () => {
  if (browserMissing) return;
  [topology, browser] = await Promise.all([
    startTopology(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await topology?.stop();
});

interface Results {
  origin: string;
  get: unknown;
  pipeline: unknown[];
  transaction: unknown[];
  message: unknown;
}

/** Runs in the page: SET/GET, a pipeline, a transaction and an SSE subscription against `url`. */
function exercise(page: Page, url: string, token: string, publishUrl: string, prefix: string): Promise<Results> {
  return page.evaluate(
    async ({ url, token, publishUrl, prefix }) => {
      type Redis = {
        set(key: string, value: unknown): Promise<unknown>;
        get(key: string): Promise<unknown>;
        publish(channel: string, message: unknown): Promise<number>;
        pipeline(): {
          set(k: string, v: unknown): unknown;
          incr(k: string): unknown;
          get(k: string): unknown;
          exec(): Promise<unknown[]>;
        };
        multi(): {
          set(k: string, v: unknown): unknown;
          incr(k: string): unknown;
          get(k: string): unknown;
          exec(): Promise<unknown[]>;
        };
        subscribe(channels: string[]): {
          on(event: string, listener: (event: { message: unknown }) => void): void;
          unsubscribe(): Promise<void>;
        };
      };
      const RedisClass = (window as unknown as { Redis: new (config: { url: string; token: string }) => Redis }).Redis;
      const redis = new RedisClass({ url, token });
      const publisher = new RedisClass({ url: publishUrl, token });
      await redis.set(`${prefix}:greeting`, { text: 'hello from a browser' });
      const get = await redis.get(`${prefix}:greeting`);
      const pipe = redis.pipeline();
      pipe.set(`${prefix}:counter`, 1);
      pipe.incr(`${prefix}:counter`);
      pipe.get(`${prefix}:counter`);
      const pipeline = await pipe.exec();
      const tx = redis.multi();
      tx.set(`${prefix}:tx`, 10);
      tx.incr(`${prefix}:tx`);
      tx.get(`${prefix}:tx`);
      const transaction = await tx.exec();
      const subscriber = redis.subscribe([`${prefix}:news`]);
      const message = await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
        subscriber.on('message', (event) => {
          clearTimeout(timer);
          resolve(event.message);
        });
        // Publish until the subscription (one SSE stream) has reached its region.
        const publish = async (): Promise<void> => {
          for (let i = 0; i < 50; i++) {
            if ((await publisher.publish(`${prefix}:news`, { n: 1 })) > 0) return;
            await new Promise((r) => setTimeout(r, 100));
          }
        };
        void publish();
      });
      await subscriber.unsubscribe();
      return { origin: location.origin, get, pipeline, transaction, message };
    },
    { url, token, publishUrl, prefix },
  );
}

describe.skipIf(browserMissing)('the @upstash/redis SDK in Chromium, from another origin', () => {
  let pageServer: Awaited<ReturnType<typeof startPageServer>>;
  let sdkPage: Page;
  const failures: string[] = [];

  beforeAll(async () => {
    pageServer = await startPageServer(await bundleSdk());
    sdkPage = await browser.newPage();
    sdkPage.on('console', (message) => {
      if (message.type() === 'error') failures.push(message.text());
    });
    await sdkPage.goto(pageServer.url);
    await sdkPage.waitForFunction(() => 'Redis' in window);
  }, 30_000);

  afterAll(async () => {
    await sdkPage?.close();
    await pageServer?.close();
  });

  it('works through the router: SET/GET, a pipeline, a transaction, an SSE subscription', async () => {
    const results = await exercise(sdkPage, topology.routerUrl, ENV.MERIDIAN_TOKEN, topology.routerUrl, 'router');
    expect(results.origin).not.toBe(new URL(topology.routerUrl).origin);
    expect(results.get).toEqual({ text: 'hello from a browser' });
    expect(results.pipeline).toEqual(['OK', 2, 2]);
    expect(results.transaction).toEqual(['OK', 11, 11]);
    expect(results.message).toEqual({ n: 1 });
    expect(failures).toEqual([]);
  });

  it('works against a replica region directly (writes forwarded to the primary)', async () => {
    const singapore = topology.regionUrls['ap-southeast-1'] as string;
    const results = await exercise(sdkPage, singapore, ENV.MERIDIAN_TOKEN, topology.routerUrl, 'replica');
    expect(results.get).toEqual({ text: 'hello from a browser' });
    expect(results.pipeline).toEqual(['OK', 2, 2]);
    expect(results.transaction).toEqual(['OK', 11, 11]);
    expect(results.message).toEqual({ n: 1 });
    expect(failures).toEqual([]);
  });

  it('reads its own writes across two regions with the sync token the browser read from the answer', async () => {
    const writer = topology.regionUrls['ap-southeast-1'] as string;
    const reader = topology.regionUrls['sa-east-1'] as string;
    const seen = await sdkPage.evaluate(
      async ({ writer, reader, router, token }) => {
        type Redis = {
          set(key: string, value: unknown): Promise<unknown>;
          get(key: string): Promise<unknown>;
          readYourWritesSyncToken: string | undefined;
        };
        const RedisClass = (window as unknown as { Redis: new (config: { url: string; token: string }) => Redis })
          .Redis;
        const inSingapore = new RedisClass({ url: writer, token });
        const inSaoPaulo = new RedisClass({ url: reader, token });
        const viaRouter = new RedisClass({ url: router, token });
        const values: unknown[] = [];
        const tokens: (string | undefined)[] = [];
        for (let i = 0; i < 5; i++) {
          await inSingapore.set('ryw', i);
          tokens.push(inSingapore.readYourWritesSyncToken);
          inSaoPaulo.readYourWritesSyncToken = inSingapore.readYourWritesSyncToken;
          values.push(await inSaoPaulo.get('ryw'));
          viaRouter.readYourWritesSyncToken = inSingapore.readYourWritesSyncToken;
          values.push(await viaRouter.get('ryw'));
        }
        return { values, tokens };
      },
      { writer, reader, router: topology.routerUrl, token: ENV.MERIDIAN_TOKEN },
    );
    expect(seen.values).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(seen.tokens.every((token) => typeof token === 'string' && token !== '')).toBe(true);
    expect(failures).toEqual([]);
  });
});

/** The dashboard's page (one tab for the whole part, as a person would keep it open). */
let page: Page;
const pageErrors: string[] = [];

function cardField(region: string, field: string): Promise<string> {
  return page.locator(`#regions .card[data-region="${region}"] dd[data-field="${field}"]`).innerText();
}

/** Writes through the router and reads in Singapore, bounded in count and time. */
async function runLoad(until: () => boolean): Promise<number> {
  const deadline = Date.now() + 15_000;
  let sent = 0;
  const headers = { authorization: `Bearer ${ENV.MERIDIAN_TOKEN}` };
  while (!until() && Date.now() < deadline && sent < 20_000) {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Promise.all([
          fetch(topology.routerUrl, { method: 'POST', headers, body: JSON.stringify(['INCR', `load:${i}`]) }),
          fetch(`${topology.routerUrl}/get/load:${i}`, {
            headers: { ...headers, 'x-meridian-region': 'ap-southeast-1' },
          }),
        ]),
      ),
    );
    sent += 40;
  }
  return sent;
}

describe.skipIf(browserMissing)('the live dashboard in Chromium', () => {
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await page?.close();
  });

  it('asks for the admin token once, then shows the five regions on the map with the primary marked', async () => {
    await page.goto(`${topology.routerUrl}/_meridian/ui`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', 'not-the-token');
    await page.click('#login-form button');
    await page.locator('#login-error').filter({ hasText: 'refused' }).waitFor();
    await page.fill('#token', ENV.MERIDIAN_ADMIN_TOKEN);
    await page.click('#login-form button');
    await page.locator('#markers .region').nth(4).waitFor();
    expect(await page.locator('#markers .region').count()).toBe(5);
    expect(await page.locator('#regions .card').count()).toBe(5);
    expect(await page.locator('#markers .region[data-region="us-east-1"] circle.ring').count()).toBe(1);
    expect(await page.locator('#markers circle.ring').count()).toBe(1);
    expect(await page.locator('#links .link-group').count()).toBe(4);
    // Placed by regions.yaml's coordinates: Singapore east of Ireland, São Paulo south of Oregon.
    const position = async (region: string): Promise<{ x: number; y: number }> => {
      const transform =
        (await page.locator(`#markers .region[data-region="${region}"]`).getAttribute('transform')) ?? '';
      const [x, y] = (/translate\(([\d.]+) ([\d.]+)\)/.exec(transform) ?? []).slice(1).map(Number);
      return { x: x as number, y: y as number };
    };
    expect((await position('ap-southeast-1')).x).toBeGreaterThan((await position('eu-west-1')).x);
    expect((await position('sa-east-1')).y).toBeGreaterThan((await position('us-west-2')).y);
    // The token is kept for the tab: a reload goes straight to the map.
    await page.reload();
    await page.locator('#markers .region').nth(4).waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);
    await page.screenshot({ path: artifactPath('dashboard-loaded.png') });
    expect(pageErrors).toEqual([]);
  });

  it('a partition made through the UI is cut on the map and in `meridian lag show`', async () => {
    await page.selectOption('#link-select', 'eu-west-1');
    await page.click('#partition');
    await page
      .locator('#links .link-group[data-replica="eu-west-1"][data-health="partitioned"] path.partitioned')
      .waitFor();
    expect(await page.locator('#links .link-group[data-replica="eu-west-1"] text.cut').count()).toBe(1);
    expect(await page.locator('#links .link-group[data-health="partitioned"]').count()).toBe(1);
    const shown = await runCli(['lag', 'show', '--config', topology.configPath], ENV);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^us-east-1: us-east-1 → eu-west-1, .*PARTITIONED$/m);
    expect(shown.stdout).toMatch(/^eu-west-1: eu-west-1 → us-east-1, .*PARTITIONED$/m);
    expect(shown.stdout).not.toMatch(/→ ap-southeast-1, .*PARTITIONED/);
    await page.screenshot({ path: artifactPath('dashboard-partitioned.png') });
  });

  it('the figures move while a load runs (applied offset, ops/s, read latency, lag); Heal reconnects the link', async () => {
    const offsetBefore = Number((await cardField('us-east-1', 'applied')).replace(/,/g, ''));
    const moved = async (): Promise<boolean> => {
      const offset = Number((await cardField('us-east-1', 'applied')).replace(/,/g, ''));
      const opsPerSecond = Number((await cardField('us-east-1', 'ops')).replace(/,/g, ''));
      const latency = await cardField('ap-southeast-1', 'latency');
      const irelandLag = Number((await cardField('eu-west-1', 'lag-ops')).replace(/,/g, ''));
      return offset > offsetBefore && opsPerSecond > 0 && /\d/.test(latency) && irelandLag > 0;
    };
    let done = false;
    const load = runLoad(() => done);
    await waitFor('the dashboard figures to move', async () => ((await moved()) ? true : undefined), 15_000);
    // While partitioned, Ireland falls behind and its staleness grows past the partition's age.
    await waitFor(
      "Ireland's staleness to pass 2 s",
      async () => (/^\d+(\.\d)? s$|^[2-9]\d{3} ms$/.test(await cardField('eu-west-1', 'staleness')) ? true : undefined),
      15_000,
    );
    await page.screenshot({ path: artifactPath('dashboard-load.png') });
    if (process.env['MERIDIAN_DOCS_SCREENSHOT'] === '1') {
      copyFileSync(artifactPath('dashboard-load.png'), join(ROOT, 'docs', 'dashboard.png'));
    }
    done = true;
    expect(await load).toBeGreaterThan(0);
    await page.click('#heal');
    await page.locator('#links .link-group[data-replica="eu-west-1"]:not([data-health="partitioned"])').waitFor();
    const shown = await runCli(['lag', 'show', '--config', topology.configPath], ENV);
    expect(shown.stdout).not.toContain('PARTITIONED');
    expect(pageErrors).toEqual([]);
  });

  it('sets a link delay from the UI and links the last experiment report when there is one', async () => {
    await page.selectOption('#link-select', 'sa-east-1');
    await page.fill('#delay-input', '250');
    await page.click('#set-delay');
    await page.locator('#links .link-group[data-replica="sa-east-1"] text.delay', { hasText: '250 ms' }).waitFor();
    const shown = await runCli(['lag', 'show', '--config', topology.configPath], ENV);
    expect(shown.stdout).toMatch(/^us-east-1: us-east-1 → sa-east-1, delay 250 ms/m);
    await page.click('#clear');
    await page
      .locator('#links .link-group[data-replica="sa-east-1"] text.delay', { hasText: '250 ms' })
      .waitFor({ state: 'detached' });

    const out = join(topology.dir, 'experiment-out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'report.html'), '<!doctype html><title>staleness report</title><h1>report of seed 7</h1>');
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ mode: 'sim', seed: 7 }));
    await page.locator('#report-link').waitFor({ timeout: 15_000 });
    expect(await page.locator('#report').innerText()).toContain('seed 7');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#report-link')]);
    await popup.locator('h1').waitFor();
    expect(await popup.locator('h1').innerText()).toBe('report of seed 7');
    expect(pageErrors).toEqual([]);
  });

  it('`meridian dashboard` opens it with the admin token in the fragment, taken once into the tab', async () => {
    expect(topology.output()).toContain(`Dashboard: ${topology.routerUrl}/_meridian/ui`);
    const printed = await runCli(['dashboard', '--no-open', '--config', topology.configPath], ENV);
    expect(printed.code).toBe(0);
    const url = printed.stdout.trim();
    expect(url).toBe(`${topology.routerUrl}/_meridian/ui#token=${ENV.MERIDIAN_ADMIN_TOKEN}`);
    const fresh = await browser.newPage();
    await fresh.goto(url);
    await fresh.locator('#markers .region').nth(4).waitFor();
    expect(new URL(fresh.url()).hash).toBe('');
    expect(await fresh.evaluate(() => sessionStorage.getItem('meridian.adminToken'))).toBe(ENV.MERIDIAN_ADMIN_TOKEN);
    await fresh.close();
  });
});
