import { afterAll, beforeAll, describe, it } from 'vitest';
import { runQueue } from '../support/bullmq.js';
import { RespPair, TOKEN } from '../support/resp-nodes.js';

// BullMQ needs EVAL/EVALSHA (Lua scripting), streams and blocking commands over RESP.
describe('BullMQ against the primary region', () => {
  let pair: RespPair;
  beforeAll(async () => {
    pair = await RespPair.start();
  });
  afterAll(async () => {
    await pair.close();
  });

  it('a worker processes every job added to a queue', async () => {
    await runQueue(pair.primaryPort, TOKEN);
  });
});
