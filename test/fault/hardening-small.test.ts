/**
 * Issue 12, finding 11 and the lag bounds over HTTP: a wedged primary does not hold a replica's
 * forwarded reads for the HTTP timeout, an absolute-form request target does not make the router
 * answer 500, the read-only token may not run WAIT, /_meridian/lag needs a token, and a lag value
 * past regions.yaml's bounds is refused with the field named.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryWriteLog } from '@meridian/store';
import { MeridianNode } from '@meridian/node';
import { startRouter } from '@meridian/router';
import { parseTopology } from '@meridian/topology';

const TOKEN = 'hardening-small-token';
const READONLY = 'hardening-small-readonly';
const ADMIN = 'hardening-small-admin';

async function call(
  url: string,
  options: { token?: string; body?: unknown; method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** A "primary" that accepts connections and never answers: a paused process, as the kernel sees it. */
async function wedgedServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Sends one raw HTTP/1.1 request and resolves with the whole answer text. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('small hardening (issue 12, finding 11)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('a replica whose primary is wedged answers forwarded reads with MERIDIAN_FORWARD_TIMEOUT, not after 30 s', async () => {
    const primary = await wedgedServer();
    closers.push(primary.close);
    const replica = new MeridianNode({
      token: TOKEN,
      region: 'replica',
      writeLog: new MemoryWriteLog(),
      replication: { primaryUrl: primary.url, primaryRegion: 'primary', secret: 's', forwardTimeoutMs: 300 },
      requestTimeoutMs: 30_000,
      report: () => undefined,
    });
    const url = await replica.start();
    closers.push(() => replica.close());
    const answer = await call(`${url}/get/k`, { token: TOKEN, headers: { 'x-meridian-consistency': 'strong' } });
    expect(answer.status).toBe(503);
    expect((answer.json as { error: string }).error).toContain('MERIDIAN_FORWARD_TIMEOUT');
    const write = await call(`${url}/set/k/v`, { token: TOKEN });
    expect((write.json as { error: string }).error).toContain('no answer within 300 ms (MERIDIAN_FORWARD_TIMEOUT)');
  }, 10_000);

  it('refuses WAIT to the read-only token; /_meridian/lag needs a token; lag values past the bounds name the field', async () => {
    const node = new MeridianNode({ token: TOKEN, readonlyToken: READONLY, adminToken: ADMIN, region: 'p' });
    const url = await node.start();
    closers.push(() => node.close());
    const wait = await call(`${url}/`, { token: READONLY, body: ['WAIT', '1', '0'] });
    expect(wait.status).toBe(400);
    expect(wait.json).toEqual({ error: "NOPERM this user has no permissions to run the 'wait' command" });
    expect((await call(`${url}/`, { token: TOKEN, body: ['WAIT', '0', '10'] })).json).toEqual({ result: 0 });
    expect((await call(`${url}/_meridian/lag`)).status).toBe(401);
    expect((await call(`${url}/_meridian/lag`, { token: READONLY })).status).toBe(401);
    expect((await call(`${url}/_meridian/lag`, { token: ADMIN })).status).toBe(200);
    const huge = await call(`${url}/_meridian/lag`, {
      token: ADMIN,
      body: { action: 'set', jitter: { distribution: 'fixed', valueMs: 1e308 } },
    });
    expect(huge.status).toBe(400);
    expect((huge.json as { error: string }).error).toMatch(/^ERR jitter\.valueMs: must be between 0 and 3600000/);
    const delay = await call(`${url}/_meridian/lag`, { token: ADMIN, body: { action: 'set', delayMs: 1e12 } });
    expect((delay.json as { error: string }).error).toMatch(/^ERR delayMs: must be between 0 and 3600000/);
  });

  it('a value grown past the reply limit is refused at once, not encoded into gigabytes; GETRANGE reads it', async () => {
    const node = new MeridianNode({ token: TOKEN, readonlyToken: READONLY, region: 'p', maxMemoryBytes: 0 });
    const url = await node.start();
    closers.push(() => node.close());
    for (let n = 0; n < 3; n++) {
      const grown = await call(`${url}/`, { token: TOKEN, body: ['SETRANGE', `huge${n}`, '200000000', 'z'] });
      expect(grown.json).toEqual({ result: 200_000_001 });
    }
    for (let n = 0; n < 3; n++) {
      const read = await call(`${url}/get/huge${n}`, { token: READONLY });
      expect(read.status).toBe(400);
      expect((read.json as { error: string }).error).toContain('MERIDIAN_REPLY_TOO_LARGE');
    }
    const tail = await call(`${url}/`, { token: READONLY, body: ['GETRANGE', 'huge0', '199999998', '-1'] });
    expect(tail.json).toEqual({ result: '\u0000\u0000z' });
    const pipeline = await call(`${url}/pipeline`, {
      token: READONLY,
      body: [
        ['STRLEN', 'huge1'],
        ['GET', 'huge1'],
      ],
    });
    expect((pipeline.json as { error: string }).error).toContain('MERIDIAN_REPLY_TOO_LARGE');
  });

  it('the router answers an absolute-form request target like its origin form, never 500', async () => {
    const node = new MeridianNode({ token: TOKEN, region: 'us-east-1' });
    const nodeUrl = await node.start();
    closers.push(() => node.close());
    const config = parseTopology(
      `version: 1
primary: us-east-1
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: 1 }
router: { host: 127.0.0.1, port: 2 }
auth: { token: ${TOKEN} }
`,
    );
    const router = await startRouter({ config, port: 0, regionUrls: { 'us-east-1': nodeUrl }, pollIntervalMs: 50 });
    closers.push(() => router.close());
    await call(`${nodeUrl}/set/k/hello`, { token: TOKEN });
    const port = Number(new URL(router.url).port);
    const answer = await rawRequest(
      port,
      `GET http://127.0.0.1:${port}/get/k HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
    expect(answer).toContain('{"result":"hello"}');
    const bad = await rawRequest(
      port,
      `GET ftp://x/get/k HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    expect(bad.startsWith('HTTP/1.1 400')).toBe(true);
  });
});
