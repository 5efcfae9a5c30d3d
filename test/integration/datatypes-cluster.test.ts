import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, request } from './replication-cluster.js';

/**
 * Geo, HyperLogLog and Redis 8.2's BITOP with the real SDK against a replica region 50 ms behind the
 * primary (real processes, real WebSockets): writes are forwarded to the primary, reads are served by
 * the replica once it has the client's last write, and both hold the same bytes.
 */
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 1,
    delayMs: 2,
    links: [{ from: 'primary-1', to: 'replica-1', delayMs: 50 }],
  });
  await cluster.startAll();
  await cluster.linked();
});

afterAll(() => cluster.close());

describe('geo, HyperLogLog and BITOP through a replica region with the SDK', () => {
  it('GEOADD/GEODIST/GEOPOS/GEOHASH/GEOSEARCH/GEOSEARCHSTORE work from the replica', async () => {
    const replica = cluster.sdk('replica-1');
    expect(
      await replica.geoadd(
        'Sicily',
        { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
        { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
      ),
    ).toBe(2);
    expect(await replica.geodist('Sicily', 'Palermo', 'Catania', 'KM')).toBe(166.2742);
    expect(await replica.geohash('Sicily', 'Palermo', 'Catania')).toEqual(['sqc8b49rny0', 'sqdtr74hyu0']);
    const positions = await replica.geopos('Sicily', 'Palermo');
    expect(positions[0]?.lng).toBeCloseTo(13.361389, 5);
    expect(
      await replica.geosearch(
        'Sicily',
        { type: 'FROMLONLAT', coordinate: { lon: 15, lat: 37 } },
        { type: 'BYRADIUS', radius: 200, radiusType: 'KM' },
        'ASC',
        { withDist: true },
      ),
    ).toEqual([
      { member: 'Catania', dist: 56.4413 },
      { member: 'Palermo', dist: 190.4424 },
    ]);
    expect(
      await replica.geosearchstore(
        'near',
        'Sicily',
        { type: 'FROMMEMBER', member: 'Palermo' },
        { type: 'BYBOX', rect: { width: 400, height: 400 }, rectType: 'KM' },
        'ASC',
      ),
    ).toBe(2);
    expect(await replica.zrange('near', 0, -1)).toEqual(['Palermo', 'Catania']);
  });

  it('PFADD/PFCOUNT/PFMERGE work from the replica, and both regions hold the same HLL bytes', async () => {
    const replica = cluster.sdk('replica-1');
    expect(await replica.pfadd('visitors', 'a', 'b', 'c', 'd')).toBe(1);
    expect(await replica.pfadd('visitors2', 'c', 'd', 'e')).toBe(1);
    expect(await replica.pfcount('visitors', 'visitors2')).toBe(5);
    expect(await replica.pfmerge('all', 'visitors', 'visitors2')).toBe('OK');
    expect(await replica.pfcount('all')).toBe(5);
    const { headers } = await request(cluster.url('primary-1'), '/', ['PFCOUNT', 'all']);
    const token = String(headers['upstash-sync-token']);
    const primary = await cluster.sessionCall('primary-1', ['GET', 'all'], token);
    const copy = await cluster.sessionCall('replica-1', ['GET', 'all'], token);
    expect(copy.servedBy).toBe('replica-1');
    expect(copy.result).toEqual(primary.result);
  });

  it('BITOP DIFF/DIFF1/ANDOR/ONE and CLIENT SETINFO work from the replica', async () => {
    const replica = cluster.sdk('replica-1');
    await replica.set('x', '\u00f0');
    await replica.set('y', '\u00c0');
    expect(await replica.bitop('diff', 'd', 'x', 'y')).toBe(2);
    expect(await replica.bitop('one', 'o', 'x', 'y')).toBe(2);
    expect(await replica.strlen('o')).toBe(2);
    const setinfo = await request(cluster.url('replica-1'), '/', ['CLIENT', 'SETINFO', 'LIB-NAME', 'upstash-redis']);
    expect(setinfo.body).toEqual({ result: 'OK' });
  });
});
