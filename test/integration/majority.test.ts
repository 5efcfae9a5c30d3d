import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespPair, TOKEN } from '../support/resp-nodes.js';

// `x-meridian-durability: majority`: a write is answered only once a majority of regions hold it
// durably (here two regions: the primary and its replica); NOREPLICAS when they do not in time.
describe('majority durability', () => {
  let pair: RespPair;
  beforeAll(async () => {
    pair = await RespPair.start({ regionsTotal: 2 }, { waitMsMax: 1000 });
  });
  afterAll(async () => {
    await pair.close();
  });

  const send = (url: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body });
  const lag = (body: unknown): Promise<Response> =>
    fetch(`${pair.primary.url}/_meridian/lag`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });

  it('answers once the replica holds the write; NOREPLICAS while it cannot; a bad value is refused', async () => {
    const majority = { 'x-meridian-durability': 'majority' };
    const ok = await send(`${pair.primary.url}/`, '["SET","k","v1"]', majority);
    expect(await ok.json()).toEqual({ result: 'OK' });
    // The replica already has it when the answer arrives.
    expect(pair.replica.log.lastOffset()).toBeGreaterThanOrEqual(pair.primary.log.lastOffset());

    expect((await lag({ action: 'partition', to: 'r' })).status).toBe(200);
    const refused = await send(`${pair.primary.url}/`, '["SET","k","v2"]', majority);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'NOREPLICAS Not enough good replicas to write.' });
    // Without the header the primary alone acknowledges, as always.
    expect(await (await send(`${pair.primary.url}/`, '["SET","k","v3"]')).json()).toEqual({ result: 'OK' });
    expect((await lag({ action: 'heal', to: 'r' })).status).toBe(200);
    // Healed, the replica catches up (reconnecting if the partition cut it off) before the next majority write.
    for (let i = 0; i < 400 && pair.replica.log.lastOffset() < pair.primary.log.lastOffset(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    // Sent to the replica, the header travels with the forwarded write.
    const forwarded = await send(`${pair.replica.url}/`, '["SET","k","v4"]', majority);
    expect(await forwarded.json()).toEqual({ result: 'OK' });

    const bad = await send(`${pair.primary.url}/`, '["SET","k","v5"]', { 'x-meridian-durability': 'all' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      'ERR x-meridian-durability must be majority, got "all"',
    );
  });
});
