import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';

// MONITOR over REST: `POST /monitor` with the admin token streams every command the node runs as
// server-sent events in Redis's MONITOR line format; other tokens are refused; a reader that falls
// behind is cut off (counted) and the node keeps serving.
const TOKEN = 'monitor-token';
const ADMIN = 'monitor-admin';
let node: MeridianNode;

beforeAll(async () => {
  node = new MeridianNode({ token: TOKEN, adminToken: ADMIN, region: 'eu', report: () => undefined });
  await node.start();
});

afterAll(async () => {
  await node.close();
});

const call = (path: string, body = ''): Promise<Response> =>
  fetch(`${node.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body });

describe('MONITOR over REST', () => {
  it('streams the commands the node runs, quoted as Redis does; only for the admin token', async () => {
    expect(
      (await fetch(`${node.url}/monitor`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(403);
    const controller = new AbortController();
    const stream = await fetch(`${node.url}/monitor`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body!.getReader();
    let text = '';
    const read = async (until: (text: string) => boolean): Promise<void> => {
      while (!until(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder('latin1').decode(value);
      }
    };
    await read((t) => t.includes('data: OK'));
    await call('/set/greeting/hello');
    await call('/', '["SET","quote","a\\"b\\nc"]');
    await call('/pipeline', '[["INCR","n"],["GET","n"]]');
    await read((t) => t.includes('"GET" "n"'));
    controller.abort();
    expect(text).toMatch(/data: \d+\.\d{6} \[0 eu\] "set" "greeting" "hello"\n\n/);
    expect(text).toContain('"SET" "quote" "a\\"b\\nc"');
    expect(text.indexOf('"INCR" "n"')).toBeLessThan(text.indexOf('"GET" "n"'));
  });

  it('a reader that stops reading is cut off and counted; the node keeps serving', async () => {
    const request = http.request(`${node.url}/monitor`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const response = await new Promise<http.IncomingMessage>((resolve) => {
      request.on('response', resolve);
      request.end();
    });
    response.pause(); // never reads: the node's buffer for it grows past its budget
    const value = 'v'.repeat(64 * 1024);
    const status = async (): Promise<{ streams: number; droppedSlow: number }> => {
      const answer = await fetch(`${node.url}/_meridian/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return ((await answer.json()) as { monitor: { streams: number; droppedSlow: number } }).monitor;
    };
    for (let i = 0; i < 400 && (await status()).droppedSlow === 0; i++) {
      await call('/', JSON.stringify(['SET', `big:${i % 4}`, value]));
    }
    expect((await status()).droppedSlow).toBeGreaterThanOrEqual(1);
    response.destroy();
    expect(await (await call('/get/greeting')).json()).toEqual({ result: 'hello' });
  });
});
