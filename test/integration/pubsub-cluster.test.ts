import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, request, sleep, TOKEN } from './replication-cluster.js';

const LAG_MS = 200;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.create({
    replicas: 2,
    delayMs: 2,
    links: [{ from: 'primary-1', to: 'replica-1', delayMs: LAG_MS }],
  });
  await cluster.startAll();
  await cluster.linked();
});

afterAll(() => cluster.close());

/** The SDK JSON-encodes what it publishes; its pattern subscriber only accepts JSON payloads. */
interface Payload {
  text: string;
  note: string;
}

function sdk(region: string): Redis {
  return new Redis({ url: cluster.url(region), token: TOKEN, enableAutoPipelining: false, enableTelemetry: false });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const regionsReported = async (): Promise<Record<string, { subscribers: number; patterns: number }>> =>
  (
    (await cluster.status('primary-1'))['pubsub'] as {
      regions: Record<string, { subscribers: number; patterns: number }>;
    }
  ).regions;

describe('global pub/sub across real node processes', () => {
  it(`a subscriber ${LAG_MS} ms behind gets each message after the lag, in order, after the writes before it`, async () => {
    const lagging = sdk('replica-1').subscribe<Payload>(['events']);
    const near = sdk('replica-2').psubscribe<Payload>(['ev*']);
    const arrivals: { message: string; atMs: number; valueThen: Promise<unknown> }[] = [];
    lagging.on('message', ({ message }) => {
      // Read the replica's own data (no sync token): the write before the message must be there.
      const valueThen = request(cluster.url('replica-1'), '/', ['GET', `k:${message.text}`]).then(
        (answer) => answer.body,
      );
      arrivals.push({ message: message.text, atMs: Date.now(), valueThen });
    });
    const nearMessages: string[] = [];
    near.on('pmessage', ({ channel, message }) => nearMessages.push(`${channel}:${message.text}`));
    await until(async () => {
      const regions = await regionsReported();
      return regions['replica-1']?.subscribers === 1 && regions['replica-2']?.patterns === 1;
    });

    const publisher = sdk('primary-1');
    const sent: { message: string; atMs: number }[] = [];
    for (let i = 1; i <= 5; i++) {
      const message = `m${i}`;
      await publisher.set(`k:${message}`, `v${i}`);
      sent.push({ message, atMs: Date.now() });
      const payload: Payload = { text: message, note: 'line\nbreak, comma ✓' };
      // Both regions' subscribers count: the primary knows them from the replicas' reports.
      expect(await publisher.publish('events', payload)).toBe(2);
    }
    await until(() => arrivals.length === 5 && nearMessages.length === 5).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify({ arrivals, nearMessages })}`);
    });
    expect(arrivals.map((arrival) => arrival.message)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(nearMessages).toEqual(['events:m1', 'events:m2', 'events:m3', 'events:m4', 'events:m5']);
    arrivals.forEach((arrival, i) => expect(arrival.atMs - (sent[i]?.atMs ?? 0)).toBeGreaterThanOrEqual(LAG_MS - 20));
    expect(await Promise.all(arrivals.map((arrival) => arrival.valueThen))).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({ result: `v${i}` })),
    );

    await lagging.unsubscribe();
    await near.unsubscribe();
    await until(async () => {
      const regions = await regionsReported();
      return regions['replica-1']?.subscribers === 0 && regions['replica-2']?.patterns === 0;
    });
    expect(await publisher.publish('events', 'nobody')).toBe(0);
  });
});
