/**
 * A primary whose data directory fills up while 8 writers load it (its data folder is a 1 MB
 * tmpfs). Writes then fail with MISCONF and keep failing until the node restarts (the design: once a
 * commit failed the log refuses appends), reads keep working on the primary and its replica, every
 * acknowledged write is intact, and once space is back a restart recovers: writes work again and the
 * replica converges.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, Cluster, request } from '../integration/replication-cluster.js';
import { mountTmpfs, resizeTmpfs, unmount, waitFor, writeLoad } from './support/processes.js';

const WRITERS = 8;
const LOAD_MS_MAX = 3_000;
const VALUE = 'x'.repeat(4096);
const TMPFS_BYTES = 1024 * 1024;
const MISCONF = /^MISCONF Errors writing to the write log: write log commit failed: database or disk is full\./;

let cluster: Cluster;
let mounted: string | undefined;
let unavailable: string | undefined;

beforeAll(async () => {
  cluster = await Cluster.create({ replicas: 1, durability: 'always' });
  const dataDir = join(cluster.dir, 'data', cluster.primary);
  unavailable = mountTmpfs(dataDir, TMPFS_BYTES);
  if (unavailable === undefined) mounted = dataDir;
});

afterAll(async () => {
  for (const region of cluster.regions) await cluster.stop(region, 'SIGKILL');
  if (mounted !== undefined) unmount(mounted);
  await cluster.close();
});

function resultOf(answer: Answer): unknown {
  return (answer.body as { result?: unknown }).result;
}

function errorOf(answer: Answer): string {
  return (answer.body as { error?: string } | undefined)?.error ?? `no error (status ${answer.status})`;
}

async function expectValues(url: string, acknowledged: ReadonlyMap<string, string>): Promise<void> {
  const keys = [...acknowledged.keys()];
  for (let start = 0; start < keys.length; start += 100) {
    const chunk = keys.slice(start, start + 100);
    const answer = await request(url, '/', ['MGET', ...chunk]);
    expect(answer.status).toBe(200);
    const values = resultOf(answer) as (string | null)[];
    chunk.forEach((key, i) => expect(values[i], key).toBe(acknowledged.get(key)));
  }
}

/** Writes unique keys from 8 writers until each gets an answer other than OK (or the time is up). */
async function fillDisk(
  url: string,
): Promise<{ acknowledged: Map<string, string>; refusals: string[]; refusedKeys: string[] }> {
  const acknowledged = new Map<string, string>();
  const refusals: string[] = [];
  const refusedKeys: string[] = [];
  const load = writeLoad({
    writers: WRITERS,
    durationMs: LOAD_MS_MAX,
    step: async (writer, i) => {
      const key = `w${writer}:${i}`;
      const value = `${i}:${VALUE}`;
      let answer: Answer;
      try {
        answer = await request(url, '/', ['SET', key, value]);
      } catch (error) {
        refusals.push(`no answer: ${String(error)}`);
        return false;
      }
      if (answer.status === 200 && resultOf(answer) === 'OK') {
        acknowledged.set(key, value);
        return true;
      }
      refusals.push(`${answer.status} ${errorOf(answer)}`);
      refusedKeys.push(key);
      return false;
    },
  });
  await load.done;
  return { acknowledged, refusals, refusedKeys };
}

describe('a primary whose disk fills up under load', () => {
  it('refuses writes with MISCONF, serves reads, keeps acknowledged writes, recovers after a restart with space', async (context) => {
    if (unavailable !== undefined) context.skip(`no small filesystem for the data directory: ${unavailable}`);
    const [primary, replica] = [cluster.primary, cluster.replicas[0] as string];
    const url = cluster.url(primary);
    await cluster.startAll();

    const { acknowledged, refusals, refusedKeys } = await fillDisk(url);
    expect(acknowledged.size).toBeGreaterThan(20);
    // Every writer stopped at its first refusal, and every refusal is the clear one (no crash, no reset).
    expect(refusals).toHaveLength(WRITERS);
    for (const refusal of refusals) expect(refusal.replace(/^400 /, '')).toMatch(MISCONF);
    expect(cluster.output(primary)).toContain('the write log failed, writes are refused until restart');

    // Refused until a restart even for a tiny write; reads answer and hold every acknowledged write.
    const again = await request(url, '/', ['SET', 'small', 'v']);
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatch(MISCONF);
    expect(await cluster.status(primary)).toMatchObject({ writesRefused: expect.stringMatching(/disk is full/) });
    await expectValues(url, acknowledged);
    // A write answered MISCONF ran in memory first; the primary rebuilt its keyspace from the log.
    expect(refusedKeys).toHaveLength(WRITERS);
    const refusedValues = await request(url, '/', ['MGET', ...refusedKeys]);
    expect(resultOf(refusedValues)).toEqual(refusedKeys.map(() => null));
    // The replica got the whole durable log and no more, and keeps serving reads.
    const { offset } = await cluster.digest(primary);
    await waitFor(`${replica} at offset ${offset}`, async () =>
      (await cluster.status(replica))['appliedOffset'] === offset ? true : undefined,
    );
    await expectValues(cluster.url(replica), acknowledged);

    resizeTmpfs(mounted as string, 64 * 1024 * 1024);
    await cluster.stop(primary, 'SIGTERM');
    await cluster.start(primary);
    await expectValues(url, acknowledged);
    const after = await request(url, '/', ['SET', 'small', 'v']);
    expect(resultOf(after)).toBe('OK');
    const converged = await cluster.converged(10_000);
    expect(converged.offset).toBe(offset + 1);
  });
});
