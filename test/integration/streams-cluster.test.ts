import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, request } from './replication-cluster.js';

/**
 * Streams with the real SDK against a replica 150 ms behind the primary (real processes, real
 * WebSockets): writes and group reads go to the primary, plain reads are served by the replica, and
 * the replica answers XINFO and XPENDING exactly as the primary does at the same offset.
 */
const LAG_MS = 150;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 1,
    delayMs: 2,
    links: [{ from: 'primary-1', to: 'replica-1', delayMs: LAG_MS }],
  });
  await cluster.startAll();
  await cluster.linked();
});

afterAll(() => cluster.close());

describe('streams through a replica region with the SDK', () => {
  it('XADD, XRANGE, consumer groups and XACK work from the replica; XINFO and XPENDING agree at the same offset', async () => {
    const replica = cluster.sdk('replica-1');
    const ids: string[] = [];
    for (const item of ['book', 'lamp', 'desk', 'pen']) ids.push(await replica.xadd('orders', '*', { item, qty: 1 }));
    expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    // The SDK sends its last sync token: the replica waits until it has the entries, then serves them.
    const range = await replica.xrange('orders', '-', '+');
    expect(Object.keys(range)).toEqual(ids);
    expect(range[ids[1] as string]).toEqual({ item: 'lamp', qty: 1 });
    expect(await replica.xlen('orders')).toBe(4);

    expect(await replica.xgroup('orders', { type: 'CREATE', group: 'workers', id: '0' })).toBe('OK');
    const batch = (await replica.xreadgroup('workers', 'alice', 'orders', '>', { count: 3 })) as [
      string,
      [string, string[]][],
    ][];
    expect(batch[0]?.[0]).toBe('orders');
    expect(batch[0]?.[1].map(([id]) => id)).toEqual(ids.slice(0, 3));
    await replica.xreadgroup('workers', 'bob', 'orders', '>', { count: 5 });
    expect(await replica.xack('orders', 'workers', ids[0] as string)).toBe(1);
    expect(await replica.xpending('orders', 'workers', '-', '+', 10)).toHaveLength(3);

    // Group reads are writes: they went to the primary and reach the replica through the log.
    const { headers } = await request(cluster.url('primary-1'), '/', ['XLEN', 'orders']);
    const token = String(headers['upstash-sync-token']);
    for (const argv of [
      ['XINFO', 'GROUPS', 'orders'],
      ['XPENDING', 'orders', 'workers'],
      ['XRANGE', 'orders', '-', '+'],
    ]) {
      const primary = await cluster.sessionCall('primary-1', argv, token);
      const copy = await cluster.sessionCall('replica-1', argv, token);
      expect(copy.servedBy).toBe('replica-1');
      expect(copy.result, argv.join(' ')).toEqual(primary.result);
    }
    const groups = (await cluster.sessionCall('replica-1', ['XINFO', 'GROUPS', 'orders'], token)).result as unknown[][];
    expect(groups[0]).toEqual([
      'name',
      'workers',
      'consumers',
      2,
      'pending',
      3,
      'last-delivered-id',
      ids[3],
      'entries-read',
      4,
      'lag',
      0,
    ]);
    // Per consumer, pending counts agree too (idle times are each node's own clock, not compared).
    const consumers = async (region: string): Promise<unknown[]> =>
      (
        (await cluster.sessionCall(region, ['XINFO', 'CONSUMERS', 'orders', 'workers'], token)).result as unknown[][]
      ).map((c) => c.slice(0, 4));
    expect(await consumers('replica-1')).toEqual(await consumers('primary-1'));
    expect(await consumers('replica-1')).toEqual([
      ['name', 'alice', 'pending', 2],
      ['name', 'bob', 'pending', 1],
    ]);
  });
});
