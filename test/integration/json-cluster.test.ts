import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './replication-cluster.js';

/**
 * JSON with the real SDK's `redis.json.*` against a replica region 50 ms behind the primary (real
 * processes, WebSockets, SQLite): writes are forwarded, reads are served by the replica once it has
 * the client's last write, and the primary and replica hold the same documents.
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

describe('JSON through a replica region with the SDK', () => {
  it('all 23 JSON commands the SDK sends', async () => {
    const replica = cluster.sdk('replica-1');
    const doc = { name: 'Ada', tags: ['math'], stats: { logins: 1, score: 1.5 }, active: false, bio: 'x' };
    expect(await replica.json.set('user:1', '$', doc)).toBe('OK');
    expect(await replica.json.get('user:1')).toEqual(doc);
    expect(await replica.json.get('user:1', '$.name')).toEqual(['Ada']);
    expect(await replica.json.type('user:1', '$.stats.score')).toEqual(['number']);
    expect(await replica.json.numincrby('user:1', '$.stats.logins', 2)).toEqual([3]);
    expect(await replica.json.nummultby('user:1', '$.stats.score', 3)).toEqual([4.5]);
    expect(await replica.json.toggle('user:1', '$.active')).toEqual([1]);
    expect(await replica.json.strappend('user:1', '$.bio', '"yz"')).toEqual([3]);
    expect(await replica.json.strlen('user:1', '$.bio')).toEqual([3]);
    expect(await replica.json.arrappend('user:1', '$.tags', '"code"', '"poetry"')).toEqual([3]);
    expect(await replica.json.arrindex('user:1', '$.tags', '"code"')).toEqual([1]);
    expect(await replica.json.arrinsert('user:1', '$.tags', 0, '"first"')).toEqual([4]);
    expect(await replica.json.arrlen('user:1', '$.tags')).toEqual([4]);
    expect(await replica.json.arrpop('user:1', '$.tags')).toEqual(['poetry']);
    expect(await replica.json.arrtrim('user:1', '$.tags', 0, 1)).toEqual([2]);
    expect(await replica.json.objkeys('user:1', '$.stats')).toEqual([['logins', 'score']]);
    expect(await replica.json.objlen('user:1', '$.stats')).toEqual([2]);
    expect(await replica.json.merge('user:1', '$', { stats: { score: null }, city: 'London' })).toBe('OK');
    expect(await replica.json.get('user:1', '$.stats')).toEqual([{ logins: 3 }]);
    expect(
      await replica.json.mset({ key: 'a', path: '$', value: { n: 1 } }, { key: 'b', path: '$', value: { n: 2 } }),
    ).toBe('OK');
    expect(await replica.json.mget(['a', 'b'], '$.n')).toEqual([[1], [2]]);
    expect(await replica.json.resp('a', '$')).toEqual([['{', 'n', 1]]);
    expect(await replica.json.clear('user:1', '$.tags')).toBe(1);
    expect(await replica.json.del('user:1', '$.city')).toBe(1);
    expect(await replica.json.forget('b', '$')).toBe(1);
    expect(await replica.type('user:1')).toBe('ReJSON-RL');
    expect(await replica.json.get('user:1', '$.tags')).toEqual([[]]);

    // The primary holds the same bytes.
    const primary = cluster.sdk('primary-1');
    expect(await primary.json.get('user:1')).toEqual(await replica.json.get('user:1'));
    expect(await primary.exists('b')).toBe(0);
  });
});
