import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQueue } from '../support/bullmq.js';
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
    await runQueue(pair.replicaPort, TOKEN);
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
