import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode, PIPELINE_SLICE_COMMANDS_DEFAULT, TRANSACTION_COMMANDS_MAX_DEFAULT } from '@meridian/node';

const TOKEN = 'fair-token';
const COMMANDS = 300_000;

async function call(url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

describe('fair scheduling: a huge pipeline does not stall other clients', () => {
  let node: MeridianNode;
  let url: string;
  beforeAll(async () => {
    node = new MeridianNode({ token: TOKEN });
    url = await node.start();
  });
  afterAll(async () => {
    await node.close();
  });

  it(`serves a concurrent GET and health check between slices of ${PIPELINE_SLICE_COMMANDS_DEFAULT} commands`, async () => {
    const commands = Array.from({ length: COMMANDS }, () => ['INCR', 'counter']);
    let pipelineDone = false;
    const pipeline = call(`${url}/pipeline`, commands).finally(() => (pipelineDone = true));
    const seen: number[] = [];
    let healthDuringPipeline = false;
    while (!pipelineDone) {
      const [get, health] = await Promise.all([call(`${url}/get/counter`), fetch(`${url}/_meridian/health`)]);
      const result = (get.json as { result: string | null }).result;
      const value = result === null ? 0 : Number(result);
      seen.push(value);
      if (value > 0 && value < COMMANDS && health.status === 200) healthDuringPipeline = true;
    }
    const answered = await pipeline;
    expect(answered.status).toBe(200);
    const replies = answered.json as { result: number }[];
    expect(replies).toHaveLength(COMMANDS);
    expect(replies[COMMANDS - 1]).toEqual({ result: COMMANDS });
    // Answered mid-pipeline: some GET saw part of it — and only ever whole slices of it (a GET runs
    // between slices, never inside one), so it was served within one slice's worth of commands.
    const midway = seen.filter((value) => value > 0 && value < COMMANDS);
    expect(midway.length).toBeGreaterThan(0);
    expect(midway.every((value) => value % PIPELINE_SLICE_COMMANDS_DEFAULT === 0)).toBe(true);
    expect(healthDuringPipeline).toBe(true);
    expect((await call(`${url}/get/counter`)).json).toEqual({ result: String(COMMANDS) });
  }, 60_000);

  it('refuses a transaction over the cap with a coded error, and runs one at the cap', async () => {
    const tooMany = Array.from({ length: TRANSACTION_COMMANDS_MAX_DEFAULT + 1 }, () => ['INCR', 'tx']);
    const refused = await call(`${url}/multi-exec`, tooMany);
    expect(refused.status).toBe(400);
    expect((refused.json as { error: string }).error).toContain('MERIDIAN_TRANSACTION_TOO_LARGE');
    expect((await call(`${url}/get/tx`)).json).toEqual({ result: null });
    const atCap = await call(`${url}/multi-exec`, tooMany.slice(1));
    expect(atCap.status).toBe(200);
    expect((await call(`${url}/get/tx`)).json).toEqual({ result: String(TRANSACTION_COMMANDS_MAX_DEFAULT) });
  }, 30_000);
});
