import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';

const TOKEN = 'http-standard-token';
const READONLY = 'http-readonly-token';
const BODY_BYTES_MAX = 64 * 1024;

let node: MeridianNode;
let url: string;

beforeAll(async () => {
  node = new MeridianNode({
    token: TOKEN,
    readonlyToken: READONLY,
    port: 0,
    requestBytesMax: BODY_BYTES_MAX,
    region: 'eu-west-1',
  });
  url = await node.start();
});

afterAll(async () => {
  await node.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function post(
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = auth,
): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body: body as BodyInit }) });
}

function offsetOf(response: Response): number {
  const token = response.headers.get('upstash-sync-token');
  expect(token).toMatch(/^[0-9a-f]+:\d+$/);
  return Number(token?.split(':')[1]);
}

describe('path forms', () => {
  it('takes arguments from segments, the raw body and the query', async () => {
    expect(await (await post('/set/path%3Akey/hello%20world')).json()).toEqual({ result: 'OK' });
    expect(await (await fetch(`${url}/get/path:key`, { headers: auth })).json()).toEqual({ result: 'hello world' });
    const bytes = new Uint8Array([0, 1, 0xfe, 0xff, 0x0d, 0x0a, 0xc3]);
    expect(await (await post('/set/binary?EX=100', bytes)).json()).toEqual({ result: 'OK' });
    const encoded = await post('/get/binary', undefined, { ...auth, 'upstash-encoding': 'base64' });
    const { result } = (await encoded.json()) as { result: string };
    expect(new Uint8Array(Buffer.from(result, 'base64'))).toEqual(bytes);
    const plain = (await (await post('/get/binary')).json()) as { result: string };
    expect(plain.result).toBe('\u0000\u0001\ufffd\ufffd\r\n\ufffd');
    expect(await (await post('/set/binary/other?NX')).json()).toEqual({ result: null });
    expect(await (await post('/set/binary/other?XX&GET')).json()).toEqual({
      result: '\u0000\u0001\ufffd\ufffd\r\n\ufffd',
    });
  });

  it('accepts the token in the query and removes it from the arguments', async () => {
    expect(await (await post(`/echo/hi?_token=${TOKEN}`, undefined, {})).json()).toEqual({ result: 'hi' });
    const wrong = await post('/echo/hi?_token=wrong', undefined, {});
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'WRONGPASS invalid or missing auth token' });
    expect((await post('/echo/hi', undefined, {})).status).toBe(401);
  });

  it('answers HEAD without a body and PUT like POST', async () => {
    const head = await fetch(`${url}/echo/x`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('upstash-sync-token')).not.toBeNull();
    expect(await head.text()).toBe('');
    const put = await fetch(`${url}/echo/y`, { method: 'PUT', headers: auth });
    expect(await put.json()).toEqual({ result: 'y' });
  });

  it('answers RESP2 bytes when asked', async () => {
    const response = await post('/echo/raw', undefined, { ...auth, 'upstash-response-format': 'resp2' });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(await response.text()).toBe('$3\r\nraw\r\n');
  });
});

describe('request failures', () => {
  it('answers 405 for other methods', async () => {
    const response = await fetch(`${url}/get/k`, { method: 'DELETE', headers: auth });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST, PUT, OPTIONS');
    expect(((await response.json()) as { error: string }).error).toMatch(/^ERR method not allowed/);
  });

  it('answers 400 for malformed JSON and bad shapes, never 200', async () => {
    const bad = await post('/', '["SET","k"', { ...auth, 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'ERR request body is not valid JSON' });
    const pipeline = await post('/pipeline', '{"not":"an array"}');
    expect(pipeline.status).toBe(400);
    expect(await (await post('/pipeline', '[]')).json()).toEqual({ error: 'ERR empty pipeline' });
    expect((await post('/', '["SET","k",{"v":1}]')).status).toBe(400);
  });

  it('answers 413 over the body limit, with and without a content-length', async () => {
    const declared = await post('/set/big', new Uint8Array(BODY_BYTES_MAX + 1));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'ERR max request size exceeded' });
    const chunked = await chunkedPost('/set/big', BODY_BYTES_MAX + 10_000);
    expect(chunked).toEqual({ status: 413, body: '{"error":"ERR max request size exceeded"}' });
    expect(await (await post('/set/big', new Uint8Array(BODY_BYTES_MAX))).json()).toEqual({ result: 'OK' });
  });
});

function chunkedPost(path: string, totalBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}${path}`,
      { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    const chunk = Buffer.alloc(8192, 0x61);
    for (let sent = 0; sent < totalBytes; sent += chunk.length) request.write(chunk);
    request.end();
  });
}

describe('CORS', () => {
  it('answers a preflight and exposes the sync token', async () => {
    const preflight = await fetch(`${url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, upstash-sync-token',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = preflight.headers.get('access-control-allow-headers') ?? '';
    for (const name of [
      'Authorization',
      'Content-Type',
      'Upstash-Encoding',
      'Upstash-Sync-Token',
      'Upstash-Response-Format',
      'x-meridian-consistency',
    ]) {
      expect(allowed).toContain(name);
    }
    const response = await post('/', '["PING"]', { ...auth, origin: 'https://app.example' });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = response.headers.get('access-control-expose-headers') ?? '';
    for (const name of ['upstash-sync-token', 'x-meridian-served-by', 'x-meridian-staleness-ms']) {
      expect(exposed).toContain(name);
    }
    expect(response.headers.get('x-meridian-served-by')).toBe('eu-west-1');
  });
});

describe('sync tokens and endpoints', () => {
  it('hands out strictly increasing tokens for writes and current ones for reads', async () => {
    let last = offsetOf(await post('/', '["PING"]'));
    for (let i = 0; i < 10; i++) {
      const write = await post('/', JSON.stringify(['SET', 'counter', i]));
      const offset = offsetOf(write);
      expect(offset).toBeGreaterThan(last);
      last = offset;
      const read = await post('/', '["GET","counter"]', { ...auth, 'upstash-sync-token': 'garbage' });
      expect(offsetOf(read)).toBe(last);
    }
    const pipeline = await post('/pipeline', '[["SET","p1","a"],["SET","p2","b"],["GET","p1"]]');
    // A pipeline's writes are one log entry, like a transaction's.
    expect(offsetOf(pipeline)).toBe(last + 1);
    const transaction = await post('/multi-exec', '[["SET","t1","a"],["SET","t2","b"]]');
    expect(offsetOf(transaction)).toBe(last + 2);
  });

  it('serves health without a token and status with it', async () => {
    const health = await fetch(`${url}/_meridian/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('upstash-sync-token')).toBeNull();
    expect((await fetch(`${url}/_meridian/status`)).status).toBe(401);
    const status = await fetch(`${url}/_meridian/status`, { headers: auth });
    expect(await status.json()).toMatchObject({ role: 'primary', region: 'eu-west-1' });
  });

  it('keeps connections alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const request = http.request(`${url}/echo/${i}`, { method: 'POST', agent, headers: auth }, (response) => {
          sockets.add(response.socket);
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', reject);
        request.end();
      });
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
  });
});
