import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, request, sleep, TOKEN } from './replication-cluster.js';

const LAG_MS = 200;
let cluster: Cluster;
let replicaUrl: string;
let primaryUrl: string;

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 1,
    delayMs: 2,
    links: [{ from: 'primary-1', to: 'replica-1', delayMs: LAG_MS }],
    syncWaitMsMax: 1000,
  });
  await cluster.startAll();
  replicaUrl = cluster.url('replica-1');
  primaryUrl = cluster.url('primary-1');
  await cluster.linked();
});

afterAll(() => cluster.close());

function sdk(readYourWrites: boolean): Redis {
  return new Redis({
    url: replicaUrl,
    token: TOKEN,
    readYourWrites,
    enableAutoPipelining: false,
    enableTelemetry: false,
  });
}

describe(`a replica ${LAG_MS} ms behind its primary`, () => {
  it('gives the SDK read-your-writes: every read after a write sees it', async () => {
    const redis = sdk(true);
    for (let i = 0; i < 6; i++) {
      await redis.set(`ryw:${i}`, `value-${i}`);
      expect(await redis.get(`ryw:${i}`)).toBe(`value-${i}`);
      await redis.incr('ryw:counter');
      expect(await redis.get('ryw:counter')).toBe(i + 1);
    }
  });

  it('serves the read itself once it reached the token, after waiting for it', async () => {
    const write = await request(replicaUrl, '/', ['SET', 'token-key', 'fresh']);
    const token = write.headers['upstash-sync-token'] as string;
    expect(write.headers['x-meridian-served-by']).toBe('primary-1');
    const startedAt = Date.now();
    const read = await request(replicaUrl, '/', ['GET', 'token-key'], { 'upstash-sync-token': token });
    expect(read.body).toEqual({ result: 'fresh' });
    expect(read.headers['x-meridian-served-by']).toBe('replica-1');
    expect(read.headers['upstash-sync-token']).toBe(token);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(LAG_MS / 2);
  });

  it('shows stale reads to the SDK without read-your-writes', async () => {
    const redis = sdk(false);
    let stale = 0;
    for (let i = 0; i < 6; i++) {
      await redis.set(`stale:${i}`, `value-${i}`);
      if ((await redis.get(`stale:${i}`)) !== `value-${i}`) stale++;
    }
    expect(stale).toBeGreaterThan(0);
  });

  it('never serves a bounded read staler than its bound', async () => {
    let stop = false;
    const writes = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        await request(primaryUrl, '/', ['SET', 'clock', String(Date.now())]);
        await sleep(10);
      }
    })();
    await sleep(LAG_MS + 100);
    const servedBy = { 'primary-1': 0, 'replica-1': 0 } as Record<string, number>;
    for (const boundMs of [50, 100, 5000]) {
      for (let i = 0; i < 8; i++) {
        const startedAt = Date.now();
        const read = await request(replicaUrl, '/', ['GET', 'clock'], {
          'x-meridian-consistency': `bounded=${boundMs}`,
        });
        const region = read.headers['x-meridian-served-by'] as string;
        const stalenessMs = Number(read.headers['x-meridian-staleness-ms']);
        servedBy[region] = (servedBy[region] ?? 0) + 1;
        expect(stalenessMs).toBeLessThanOrEqual(boundMs);
        // Every write committed more than boundMs before the read must be visible (writes are 10 ms apart).
        const written = Number((read.body as { result: string }).result);
        expect(written).toBeGreaterThanOrEqual(startedAt - boundMs - 60);
        if (boundMs < LAG_MS) expect(region).toBe('primary-1');
      }
    }
    stop = true;
    await writes;
    expect(servedBy['replica-1']).toBeGreaterThan(0);
    expect(servedBy['primary-1']).toBeGreaterThan(0);
  });

  it('answers WAIT on the primary with the replicas that caught up in time', async () => {
    await request(primaryUrl, '/', ['SET', 'waited', '1']);
    expect((await request(primaryUrl, '/', ['WAIT', '1', '20'])).body).toEqual({ result: 0 });
    const startedAt = Date.now();
    expect((await request(primaryUrl, '/', ['WAIT', '1', '3000'])).body).toEqual({ result: 1 });
    expect(Date.now() - startedAt).toBeLessThan(2000);
    const viaReplica = await request(replicaUrl, '/', ['WAIT', '1', '3000']);
    expect(viaReplica.body).toEqual({ result: 1 });
    expect(viaReplica.headers['x-meridian-served-by']).toBe('primary-1');
  });
});
