/**
 * Issue 12, finding 5: a memory limit, as Redis's maxmemory. Real node processes from regions.yaml,
 * the @upstash/redis SDK as the client, a real replica that must converge (evictions reach it as DELs).
 */
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, TOKEN } from './replication-cluster.js';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const LIMIT_BYTES = 3 * 1024 * 1024; // 1 MiB baseline + 2 MiB of data

function sdk(url: string): Redis {
  return new Redis({ url, token: TOKEN, enableTelemetry: false, automaticDeserialization: false });
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`${field}:([^\\r\\n]*)`).exec(info)?.[1];
}

async function errorOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('maxmemory (regions.yaml maxMemoryBytes / maxMemoryPolicy)', () => {
  const clusters: Cluster[] = [];
  afterAll(async () => {
    for (const cluster of clusters) await cluster.close();
  });

  it('noeviction: writes get Redis’s exact OOM error, huge SETRANGEs are refused up front, reads and DEL still work', async () => {
    const cluster = await Cluster.create({ replicas: 1, extraConfig: [`maxMemoryBytes: ${LIMIT_BYTES}`] });
    clusters.push(cluster);
    await cluster.startAll();
    await cluster.linked();
    const redis = sdk(cluster.url(cluster.primary));
    let refused: string | undefined;
    let written = 0;
    for (; written < 1000 && refused === undefined; written++) {
      refused = await errorOf(() => redis.set(`k${written}`, 'x'.repeat(10_000)));
    }
    expect(refused).toBe(`Command failed: ${OOM}`); // the SDK's wording around the server's error
    expect(written).toBeGreaterThan(100);
    const raw = await cluster.command(cluster.primary, ['SET', 'one-more', 'x'.repeat(10_000)]);
    expect(raw.status).toBe(400);
    expect(raw.body).toEqual({ error: OOM });
    for (let n = 0; n < 10; n++) {
      expect(await errorOf(() => redis.setrange(`huge${n}`, 500_000_000, 'z'))).toBe(`Command failed: ${OOM}`);
    }
    expect(await redis.get('k0')).toBe('x'.repeat(10_000));
    const info = await redis.exec<string>(['INFO', 'memory']);
    expect(infoField(info, 'maxmemory')).toBe(String(LIMIT_BYTES));
    expect(infoField(info, 'maxmemory_policy')).toBe('noeviction');
    expect(Number(infoField(info, 'used_memory'))).toBeGreaterThan(LIMIT_BYTES - 20_000);
    expect(await redis.del('k0', 'k1', 'k2')).toBe(3);
    expect(await redis.set('after-del', 'fits')).toBe('OK');
    expect(await redis.exists('huge0')).toBe(0);
    await cluster.converged(15_000);
  }, 60_000);

  it('allkeys-lru: evicts instead of refusing, and the replica follows the evictions (digests equal)', async () => {
    const cluster = await Cluster.create({
      replicas: 1,
      extraConfig: [`maxMemoryBytes: ${LIMIT_BYTES}`, 'maxMemoryPolicy: allkeys-lru'],
    });
    clusters.push(cluster);
    await cluster.startAll();
    await cluster.linked();
    const redis = sdk(cluster.url(cluster.primary));
    for (let i = 0; i < 600; i++) expect(await redis.set(`k${i}`, 'x'.repeat(10_000))).toBe('OK');
    const info = await redis.exec<string>(['INFO']);
    expect(Number(infoField(info, 'evicted_keys'))).toBeGreaterThan(300);
    expect(Number(infoField(info, 'used_memory'))).toBeLessThanOrEqual(LIMIT_BYTES);
    expect(await redis.get('k599')).toBe('x'.repeat(10_000));
    const { digest } = await cluster.converged(15_000);
    expect(digest).toMatch(/:\d+$/);
    const replica = sdk(cluster.url(cluster.replicas[0] as string));
    expect(await replica.dbsize()).toBe(await redis.dbsize());
  }, 60_000);
});
