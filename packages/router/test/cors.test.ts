import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { ConfigError, parseTopology } from '@meridian/topology';
import { ADMIN, TOKEN } from './topology-fixture.js';

/**
 * CORS with a list of allowed origins (regions.yaml `cors.allowedOrigins`), on a node and through
 * the router, SSE included; the headers allowed in a preflight are every one the SDK's source sends.
 */
const APP = 'http://app.example:5173';
const config = parseTopology(
  `
version: 1
primary: us-east-1
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, port: 65001 }
router: { port: 65000 }
auth: { token: ${TOKEN}, adminToken: ${ADMIN} }
cors: { allowedOrigins: ["${APP}", "https://other.example"] }
`,
  'cors-regions.yaml',
);
let node: MeridianNode;
let router: MeridianRouter;

beforeAll(async () => {
  node = new MeridianNode({ token: TOKEN, adminToken: ADMIN, region: 'us-east-1', port: 0, cors: config.cors });
  await node.start();
  router = await startRouter({ config, port: 0, regionUrls: { 'us-east-1': node.url }, pollIntervalMs: 50 });
});

afterAll(async () => {
  await router?.close();
  await node?.close();
});

/** Header names the SDK (node_modules/@upstash/redis) puts on requests, read from its source. */
function sdkRequestHeaders(): string[] {
  const entry = fileURLToPath(import.meta.resolve('@upstash/redis'));
  const source = readFileSync(entry, 'utf8');
  const chunk = /from\s+"\.\/(chunk-[\w-]+\.mjs)"/.exec(source)?.[1];
  const text = chunk === undefined ? source : readFileSync(new URL(chunk, `file://${entry}`), 'utf8');
  const names = new Set<string>();
  for (const match of text.matchAll(/"(Upstash-[A-Za-z-]+|upstash-sync-token|Content-Type|Cache-Control|Accept)"/g)) {
    names.add((match[1] as string).toLowerCase());
  }
  return [...names];
}

async function preflight(url: string, origin: string, requested: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requested },
  });
}

describe('CORS with a list of allowed origins', () => {
  it('allows, in a preflight, every header the SDK sends, on the node and through the router', async () => {
    const headers = sdkRequestHeaders();
    expect(headers).toEqual(expect.arrayContaining(['upstash-telemetry-sdk', 'upstash-encoding', 'cache-control']));
    for (const base of [node.url, router.url]) {
      const answer = await preflight(`${base}/`, APP, [...headers, 'authorization'].join(', '));
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
      expect(answer.headers.get('vary')).toContain('Origin');
      const allowed = (answer.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
      for (const name of [...headers, 'authorization']) expect(allowed).toContain(name);
    }
  });

  it('echoes an allowed origin and exposes the sync token; gives another origin nothing', async () => {
    for (const base of [node.url, router.url]) {
      const allowed = await fetch(`${base}/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, origin: APP },
        body: '["SET","k","v"]',
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
      expect(allowed.headers.get('access-control-expose-headers')).toContain('upstash-sync-token');
      expect(allowed.headers.get('upstash-sync-token')).not.toBeNull();
      const refused = await fetch(`${base}/get/k`, {
        headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
      });
      expect(refused.status).toBe(200);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      const denied = await preflight(`${base}/`, 'https://evil.example', 'authorization');
      expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      expect(denied.headers.get('access-control-allow-headers')).toBeNull();
    }
  });

  it('applies to SSE subscriptions, on the node and through the router', async () => {
    for (const base of [node.url, router.url]) {
      const abort = new AbortController();
      const stream = await fetch(`${base}/subscribe/news`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          origin: APP,
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
        },
        body: '[]',
        signal: abort.signal,
      });
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      expect(stream.headers.get('access-control-allow-origin')).toBe(APP);
      expect(stream.headers.get('access-control-expose-headers')).toContain('upstash-sync-token');
      abort.abort();
    }
  });

  it('answers a private-network preflight (a public page calling a loopback node)', async () => {
    const answer = await fetch(`${node.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-private-network': 'true',
      },
    });
    expect(answer.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('refuses an origin that is not scheme://host[:port], naming the field', () => {
    const text = (origins: string): string =>
      `version: 1\nprimary: a\nregions: [{ name: a, location: { lat: 0, lon: 0 }, port: 7001 }]\ncors: { allowedOrigins: ${origins} }\n`;
    for (const [origins, field] of [
      ['["https://ok.example", "https://app.example/"]', 'cors.allowedOrigins[1]'],
      ['["*", "https://app.example"]', 'cors.allowedOrigins[0]'],
      ['[]', 'cors.allowedOrigins'],
      ['"https://app.example"', 'cors.allowedOrigins'],
    ] as const) {
      let error: unknown;
      try {
        parseTopology(text(origins));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
    }
    expect(parseTopology(text('"*"')).cors).toEqual({ allowedOrigins: '*' });
    expect(parseTopology(text('["http://[::1]:3000"]')).cors).toEqual({ allowedOrigins: ['http://[::1]:3000'] });
  });
});
