import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespPair, TOKEN } from '../support/resp-nodes.js';

// WATCH … EXEC on a replica is as safe as on the primary: the primary checks the watched keys
// against the offset the replica had applied when the client watched them, so a change the replica
// has not received yet still aborts the EXEC (no lost update).
describe('WATCH through a replica', () => {
  let pair: RespPair;
  beforeAll(async () => {
    pair = await RespPair.start();
  });
  afterAll(async () => {
    await pair.close();
  });

  const lag = async (body: unknown): Promise<void> => {
    const answer = await fetch(`${pair.primary.url}/_meridian/lag`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(200);
  };

  it('a change at the primary that has not reached the replica aborts the replica client’s EXEC', async () => {
    const onReplica = new Redis({ port: pair.replicaPort, password: TOKEN });
    const onPrimary = new Redis({ port: pair.primaryPort, password: TOKEN });
    try {
      await onPrimary.set('balance', '100');
      const synced = pair.primary.log.lastOffset();
      for (let i = 0; i < 200 && pair.replica.log.lastOffset() < synced; i++)
        await new Promise((r) => setTimeout(r, 10));
      // Hold replication to the replica: the primary's next write stays unseen there.
      await lag({ action: 'partition', to: 'r' });
      await onReplica.watch('balance');
      expect(await onReplica.get('balance')).toBe('100');
      await onPrimary.set('balance', '50'); // another client, at the primary
      const aborted = await onReplica.multi().set('balance', '90').exec();
      expect(aborted).toBeNull();
      expect(await onPrimary.get('balance')).toBe('50');

      // Untouched watched keys let the EXEC run, through the replica, at the primary.
      await lag({ action: 'heal', to: 'r' });
      await onReplica.watch('other');
      const ran = await onReplica.multi().set('other', 'x').get('other').exec();
      expect(ran).toEqual([
        [null, 'OK'],
        [null, 'x'],
      ]);
      expect(await onPrimary.get('other')).toBe('x');
    } finally {
      onReplica.disconnect();
      onPrimary.disconnect();
    }
  });
});
