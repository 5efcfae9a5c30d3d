import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespPair, TOKEN } from '../support/resp-nodes.js';

// BullMQ against a replica: its scripts (with msgpack'd binary arguments), writes and blocking commands
// go to the primary transparently, byte for byte.
describe('BullMQ against a replica region', () => {
  let pair: RespPair;
  beforeAll(async () => {
    pair = await RespPair.start();
  });
  afterAll(async () => {
    await pair.close();
  });

  it('a worker processes every job added to a queue', async () => {
    const connection = { host: '127.0.0.1', port: pair.replicaPort, password: TOKEN, maxRetriesPerRequest: null };
    const queue = new Queue('emails', { connection });
    // From the stream's start: a QueueEvents reading from `$` misses a job that completes before its
    // first XREAD (BullMQ's own race, seen on a loaded machine).
    const events = new QueueEvents('emails', { connection, lastEventId: '0-0' });
    await events.waitUntilReady();
    const done: string[] = [];
    const worker = new Worker(
      'emails',
      async (job) => {
        done.push(String(job.data.to));
        return `sent to ${String(job.data.to)}`;
      },
      { connection },
    );
    try {
      const jobs = await Promise.all(['a@x', 'b@x', 'c@x'].map((to) => queue.add('send', { to })));
      const results = await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 10_000)));
      expect(results).toEqual(['sent to a@x', 'sent to b@x', 'sent to c@x']);
      expect(done.sort()).toEqual(['a@x', 'b@x', 'c@x']);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });

  it('forwards binary arguments byte for byte: every byte value written through the replica reads back from the primary', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const viaReplica = new Redis({ port: pair.replicaPort, password: TOKEN });
    const onPrimary = new Redis({ port: pair.primaryPort, password: TOKEN });
    try {
      expect(await viaReplica.set(Buffer.from([0xff, 0x00, 0x80]), bytes)).toBe('OK');
      expect(await onPrimary.getBuffer(Buffer.from([0xff, 0x00, 0x80]))).toEqual(bytes);
      const script = 'redis.call("SET", KEYS[1], ARGV[1]) return redis.call("GET", KEYS[1])';
      const echoed = await viaReplica.callBuffer('EVAL', script, '1', 'scripted', bytes);
      expect(echoed).toEqual(bytes);
    } finally {
      viaReplica.disconnect();
      onPrimary.disconnect();
    }
  });
});
