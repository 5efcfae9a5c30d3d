import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, request, sleep } from './replication-cluster.js';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];

/** A small seeded generator, so a failing run can be replayed from its printed seed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomCommand(random: () => number): string[] {
  const key = (prefix: string): string => `${prefix}:${KEYS[Math.floor(random() * KEYS.length)] ?? 'a'}`;
  const n = String(Math.floor(random() * 100));
  switch (Math.floor(random() * 10)) {
    case 0:
      return ['SET', key('s'), n];
    case 1:
      return ['INCRBY', key('n'), n];
    case 2:
      return ['LPUSH', key('l'), n, `x${n}`];
    case 3:
      return ['HSET', key('h'), `f${n}`, n];
    case 4:
      return ['SADD', key('set'), n];
    case 5:
      return ['ZADD', key('z'), n, `m${n}`];
    case 6:
      return ['SET', key('t'), n, 'PX', String(20 + Math.floor(random() * 200))];
    case 7:
      return ['DEL', key('s'), key('l')];
    case 8:
      return ['INCRBYFLOAT', key('f'), '0.5'];
    default:
      return ['GET', key('s')];
  }
}

describe('a primary and three replica processes', () => {
  let cluster: Cluster | undefined;
  afterAll(() => cluster?.close());

  it('converge to identical keyspaces under load, lag, a replica crash and a primary restart', async () => {
    cluster = await Cluster.create({ replicas: 3, delayMs: 5, jitterMeanMs: 2 });
    const c = cluster;
    await c.startAll();
    const seed = Date.now() % 1_000_000;
    const random = generator(seed);
    let stop = false;
    let acknowledged = 0;
    const writer = async (): Promise<void> => {
      for (let i = 0; !stop && i < 20_000; i++) {
        const region = c.regions[Math.floor(random() * c.regions.length)] as string;
        const shape = random();
        const commands = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomCommand(random));
        const path = shape < 0.6 ? '/' : shape < 0.8 ? '/pipeline' : '/multi-exec';
        try {
          const answer = await request(c.url(region), path, path === '/' ? commands[0] : commands);
          if (answer.status === 200) acknowledged++;
        } catch {
          await sleep(20); // a node is restarting
        }
      }
    };
    const writers = Array.from({ length: 6 }, () => writer());
    const lagged = c.replicas[0] as string;
    const crashed = c.replicas[1] as string;

    await sleep(400);
    const lag = await c.admin(c.primary, '/_meridian/lag', { action: 'set', to: lagged, delayMs: 40 });
    expect(lag.status).toBe(200);
    await sleep(300);
    await c.stop(crashed, 'SIGKILL');
    await sleep(300);
    await c.start(crashed);
    await sleep(300);
    await c.stop(c.primary, 'SIGTERM');
    await sleep(100);
    await c.start(c.primary);
    await sleep(400);
    stop = true;
    await Promise.all(writers);
    expect(acknowledged, `seed ${seed}`).toBeGreaterThan(200);

    const converged = await c.converged(15_000);
    expect(converged.offset).toBeGreaterThan(100);
    expect(c.output(crashed)).toMatch(/partial resync from [1-9]\d*/);
    // The primary kept its history through its restart: after its first sync (full when the
    // replica attached after the first writes), no replica needed another full resync.
    for (const replica of c.replicas) {
      const syncs = c.output(replica).match(/connected to the primary, (?:full|partial) resync from \d+/g) ?? [];
      expect(syncs.length).toBeGreaterThan(1);
      expect(syncs.slice(1).filter((line) => line.includes('full'))).toEqual([]);
    }
    const status = await c.status(c.primary);
    expect((status['replicas'] as unknown[]).length).toBe(3);
    const laggedStatus = await c.status(lagged);
    // The primary may log more after convergence (keys with TTLs expire as DELs): at least that far.
    expect(laggedStatus).toMatchObject({ role: 'replica', masterLinkUp: true });
    expect(laggedStatus['appliedOffset']).toBeGreaterThanOrEqual(converged.offset);
    const get = await request(c.url(lagged), '/', ['DBSIZE']);
    expect(get.headers['x-meridian-served-by']).toBe(lagged);
  });
});
