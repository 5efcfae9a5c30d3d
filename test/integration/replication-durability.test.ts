import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, request, sleep } from './replication-cluster.js';

const WRITERS = 16;
const LOAD_MS = 700;

describe('a primary killed under load', () => {
  let cluster: Cluster | undefined;
  afterAll(() => cluster?.close());

  it('loses no acknowledged write after SIGKILL and restart (durability always)', async () => {
    cluster = await Cluster.create({ replicas: 0, durability: 'always' });
    const primary = cluster.primary;
    await cluster.start(primary);
    const url = cluster.url(primary);

    const acknowledged = new Map<string, string>();
    let counterAcked = 0;
    let stop = false;
    const writer = async (id: number): Promise<void> => {
      for (let i = 0; !stop && i < 100_000; i++) {
        try {
          const key = `w${id}:${i}`;
          const value = `v${id}.${i}`;
          if (i % 3 === 2) {
            const answer = await request(url, '/multi-exec', [
              ['SET', key, value],
              ['INCR', 'counter'],
            ]);
            if (answer.status !== 200) return;
            const [set, incr] = answer.body as [{ result: string }, { result: number }];
            if (set.result === 'OK') acknowledged.set(key, value);
            counterAcked = Math.max(counterAcked, incr.result);
          } else {
            const answer = await request(url, '/', ['SET', key, value]);
            if (answer.status !== 200) return;
            acknowledged.set(key, value);
          }
        } catch {
          return; // the node died: this write was never acknowledged
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, id) => writer(id));
    // Load for LOAD_MS, longer (bounded) on a busy machine until enough writes were acknowledged.
    await sleep(LOAD_MS);
    for (let waited = 0; acknowledged.size <= 100 && waited < 10_000; waited += 50) await sleep(50);
    await cluster.stop(primary, 'SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThan(100);

    await cluster.start(primary);
    const keys = [...acknowledged.keys()];
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      const answer = await request(url, '/', ['MGET', ...chunk]);
      const values = (answer.body as { result: (string | null)[] }).result;
      chunk.forEach((key, i) => expect(values[i], key).toBe(acknowledged.get(key)));
    }
    const counter = (await request(url, '/', ['GET', 'counter'])).body as { result: string | null };
    expect(Number(counter.result ?? 0)).toBeGreaterThanOrEqual(counterAcked);
    expect(cluster.output(primary)).toMatch(/recovered \d+ keys at offset \d+/);
  });
});
