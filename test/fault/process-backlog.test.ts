/**
 * A replica stalled far longer than the primary's send backlog allows (`replication.backlogBytesMax`
 * 64 KB, the link primary→replica held at a 2 s delay) while 8 writers overwrite 32 KB values: the
 * primary cuts the replica off (BACKLOG_EXCEEDED) instead of buffering, so its memory does not grow
 * with the writes; once the link is back the replica resyncs and converges.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Cluster, request } from '../integration/replication-cluster.js';
import { childPid, rssBytes, writeLoad } from './support/processes.js';

const BACKLOG_BYTES_MAX = 64 * 1024;
const WRITERS = 8;
const LOAD_MS = 2_500;
const KEYS_PER_WRITER = 16;
const VALUE = 'v'.repeat(32 * 1024);
const STALL_MS = 2_000;
const PIPELINE = 8;
/**
 * RSS growth allowed during the load. On a busy 2-core machine the load writes ~15 MB; the primary's
 * RSS grew ~34 MB with the 64 KB backlog and ~48 MB with an unlimited one (GC and parser garbage
 * dominate), so this cap catches runaway buffering, not the difference at this volume.
 */
const RSS_GROWTH_BYTES_MAX = 96 * 1024 * 1024;

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({ replicas: 1, durability: 'everysec' });
  const config = readFileSync(cluster.configPath, 'utf8');
  const limited = config.replace(/^replication: \{ /m, `replication: { backlogBytesMax: ${BACKLOG_BYTES_MAX}, `);
  expect(limited).not.toBe(config);
  writeFileSync(cluster.configPath, limited);
  await cluster.startAll();
});

afterAll(() => cluster.close());

async function lag(body: Record<string, unknown>): Promise<void> {
  const answer = await request(cluster.url(cluster.primary), '/_meridian/lag', body, {
    authorization: `Bearer ${ADMIN_TOKEN}`,
  });
  expect(answer.status).toBe(200);
}

describe('a replica stalled longer than the backlog allows', () => {
  it('is cut off with BACKLOG_EXCEEDED, the primary stays bounded in memory, and the replica converges', async () => {
    const [primary, replica] = [cluster.primary, cluster.replicas[0] as string];
    const url = cluster.url(primary);
    const pid = childPid(process.pid, cluster.configPath, '--region', primary);
    expect(pid).toBeDefined();
    // Warm up: every key once, so the keyspace already has its final size.
    for (let writer = 0; writer < WRITERS; writer++) {
      const pairs = Array.from({ length: KEYS_PER_WRITER }, (_, i) => ['SET', `w${writer}:${i}`, VALUE]);
      await request(url, '/pipeline', pairs);
    }
    await cluster.converged(10_000);
    const rssBefore = rssBytes(pid as number);

    await lag({ action: 'set', to: replica, delayMs: STALL_MS });
    let written = 0;
    let rssMax = rssBefore;
    const load = writeLoad({
      writers: WRITERS,
      durationMs: LOAD_MS,
      step: async (writer, i) => {
        const batch = Array.from({ length: PIPELINE }, (_, j) => [
          'SET',
          `w${writer}:${(i * PIPELINE + j) % KEYS_PER_WRITER}`,
          `${i}${VALUE}`,
        ]);
        const answer = await request(url, '/pipeline', batch);
        if (answer.status !== 200) throw new Error(`write answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        written += VALUE.length * PIPELINE;
        if (i % 16 === 0) rssMax = Math.max(rssMax, rssBytes(pid as number));
      },
    });
    await load.done;
    rssMax = Math.max(rssMax, rssBytes(pid as number));
    expect(written).toBeGreaterThan(2 * 1024 * 1024);
    expect(rssMax - rssBefore).toBeLessThan(RSS_GROWTH_BYTES_MAX);
    expect(cluster.output(primary)).toMatch(/replica replica-1 \(replica-1\) disconnected: 4000 BACKLOG_EXCEEDED/);
    expect(cluster.output(replica)).toMatch(/disconnected from the primary: 4000 BACKLOG_EXCEEDED/);

    await lag({ action: 'clear', to: replica });
    const converged = await cluster.converged(20_000);
    const afterCut = cluster.output(replica).split('BACKLOG_EXCEEDED').at(-1) ?? '';
    expect(afterCut).toMatch(/connected to the primary, (partial|full) resync from \d+/);
    expect(await cluster.status(replica)).toMatchObject({ appliedOffset: converged.offset, masterLinkUp: true });
    const keys = Array.from({ length: KEYS_PER_WRITER }, (_, i) => `w0:${i}`);
    const [onPrimary, onReplica] = await Promise.all(
      [url, cluster.url(replica)].map(async (at) => (await request(at, '/', ['MGET', ...keys])).body),
    );
    expect(onReplica).toEqual(onPrimary);
  });
});
