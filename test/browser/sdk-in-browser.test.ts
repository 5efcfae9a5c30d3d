import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, ENV, type Topology, browserMissing, bundleSdk, startPageServer, startTopology } from './support.js';

/**
 * The real `@upstash/redis` SDK, bundled from npm into a page served from another origin, in Debian's
 * Chromium: every request goes through the browser's CORS checks (preflight with the SDK's telemetry,
 * encoding and sync-token headers; the sync token read from the answer; SSE for subscriptions).
 */
let topology: Topology;
let pageServer: Awaited<ReturnType<typeof startPageServer>>;
let browser: Browser;
let page: Page;
const failures: string[] = [];

beforeAll(async () => {
  const [started, sdk] = await Promise.all([startTopology(), bundleSdk()]);
  topology = started;
  pageServer = await startPageServer(sdk);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(message.text());
  });
  await page.goto(pageServer.url);
  await page.waitForFunction(() => 'Redis' in window);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
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
  it('works through the router: SET/GET, a pipeline, a transaction, an SSE subscription', async () => {
    const results = await exercise(page, topology.routerUrl, ENV.MERIDIAN_TOKEN, topology.routerUrl, 'router');
    expect(results.origin).not.toBe(new URL(topology.routerUrl).origin);
    expect(results.get).toEqual({ text: 'hello from a browser' });
    expect(results.pipeline).toEqual(['OK', 2, 2]);
    expect(results.transaction).toEqual(['OK', 11, 11]);
    expect(results.message).toEqual({ n: 1 });
    expect(failures).toEqual([]);
  });

  it('works against a replica region directly (writes forwarded to the primary)', async () => {
    const singapore = topology.regionUrls['ap-southeast-1'] as string;
    const results = await exercise(page, singapore, ENV.MERIDIAN_TOKEN, topology.routerUrl, 'replica');
    expect(results.get).toEqual({ text: 'hello from a browser' });
    expect(results.pipeline).toEqual(['OK', 2, 2]);
    expect(results.transaction).toEqual(['OK', 11, 11]);
    expect(results.message).toEqual({ n: 1 });
    expect(failures).toEqual([]);
  });

  it('reads its own writes across two regions with the sync token the browser read from the answer', async () => {
    const writer = topology.regionUrls['ap-southeast-1'] as string;
    const reader = topology.regionUrls['sa-east-1'] as string;
    const seen = await page.evaluate(
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
