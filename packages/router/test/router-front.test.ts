import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeridianRouter, startRouter } from '@meridian/router';
import { type TestNode, TOKEN, startNodes, threeRegionConfig, urlsOf } from './topology-fixture.js';

/**
 * The router's front door (front.ts) over raw sockets: what it reads itself, what it hands to
 * node:http, and HTTP/1.1's rules on one connection (order, framing, close).
 */

const config = threeRegionConfig();
let nodes: Map<string, TestNode>;
let router: MeridianRouter;

beforeAll(async () => {
  nodes = await startNodes(config);
  router = await startRouter({ config, port: 0, regionUrls: urlsOf(nodes), pollIntervalMs: 50 });
});

afterAll(async () => {
  await router?.close();
  for (const node of nodes?.values() ?? []) await node.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Every header name in the order written (lower case), repeats included. */
  readonly names: readonly string[];
  readonly body: string;
}

/** A raw connection that writes bytes as given and reads answers one by one (content-length or chunked). */
class Connection {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  static async open(target: MeridianRouter = router): Promise<Connection> {
    const url = new URL(target.url);
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Connection(socket);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  close(): void {
    this.socket.destroy();
  }

  async closed(): Promise<boolean> {
    for (let i = 0; i < 200 && !this.ended; i++) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.ended;
  }

  async read(head = false): Promise<Answer> {
    for (;;) {
      const answer = this.take(head);
      if (answer !== undefined) return answer;
      if (this.ended) throw new Error(`connection closed; unread: ${this.buffer.toString('latin1')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private take(head: boolean): Answer | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.toString('latin1', 0, end).split('\r\n');
    const headers: Record<string, string> = {};
    const names: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      names.push(line.slice(0, colon).toLowerCase());
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine?.split(' ')[1]);
    let at = end + 4;
    let body = '';
    if (head || status === 204) {
      // no body
    } else if (headers['transfer-encoding'] === 'chunked') {
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        body += this.buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + size);
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.buffer.length < at + length) return undefined;
      body = this.buffer.toString('utf8', at, at + length);
      at += length;
    }
    this.buffer = this.buffer.subarray(at);
    return { status, headers, names, body };
  }
}

function post(path: string, body: string, extra = ''): string {
  return (
    `POST ${path} HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\n${extra}` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

describe('the router front door', () => {
  it('answers pipelined requests on one connection in order, with a date and the region that served them', async () => {
    const connection = await Connection.open();
    connection.write(
      post('/', '["SET","front:a","1"]') + post('/', '["INCR","front:a"]') + post('/', '["GET","front:a"]'),
    );
    const answers = [await connection.read(), await connection.read(), await connection.read()];
    expect(answers.map((answer) => answer.body)).toEqual(['{"result":"OK"}', '{"result":2}', '{"result":"2"}']);
    expect(answers[0]?.status).toBe(200);
    expect(answers[0]?.headers['x-meridian-served-by']).toBe('us-east-1');
    expect(Number.isNaN(Date.parse(answers[0]?.headers.date ?? ''))).toBe(false);
    connection.close();
  });

  it("passes a region's answer on with every header a client needs, each once", async () => {
    const connection = await Connection.open();
    connection.write(
      post('/', '["SET","front:once","1"]') + post('/', '["GET","front:once"]', 'connection: close\r\n'),
    );
    const write = await connection.read();
    const read = await connection.read();
    for (const answer of [write, read]) {
      expect(answer.names).toHaveLength(new Set(answer.names).size);
      expect(answer.headers).toMatchObject({
        'access-control-allow-origin': '*',
        'content-type': 'application/json',
        'x-meridian-served-by': 'us-east-1',
        'x-meridian-consistency': 'eventual',
        'content-length': String(Buffer.byteLength(answer.body)),
      });
      expect(answer.headers['access-control-expose-headers']).toContain('upstash-sync-token');
      expect(answer.headers['upstash-sync-token']).toMatch(/:\d+$/);
      expect(answer.headers['x-meridian-staleness-ms']).toMatch(/^\d+$/);
      expect(Number.isNaN(Date.parse(answer.headers.date ?? ''))).toBe(false);
    }
    expect(write.names).not.toContain('connection');
    expect(read.headers.connection).toBe('close');
    expect(read.body).toBe('{"result":"1"}');
    expect(await connection.closed()).toBe(true);
  });

  it("streams a large answer on as chunks, with the region's headers and the router's own", async () => {
    const connection = await Connection.open();
    const big = 'v'.repeat(100 * 1024);
    connection.write(post('/', JSON.stringify(['SET', 'front:big', big])) + post('/', '["GET","front:big"]'));
    expect((await connection.read()).status).toBe(200);
    const read = await connection.read();
    expect(read.body).toBe(JSON.stringify({ result: big }));
    expect(read.headers).toMatchObject({
      'transfer-encoding': 'chunked',
      'content-type': 'application/json',
      'x-meridian-served-by': 'us-east-1',
      'x-meridian-consistency': 'eventual',
    });
    expect(read.names).not.toContain('content-length');
    expect(read.names).toHaveLength(new Set(read.names).size);
    connection.close();
  });

  it('reads header names in any case, and hands a header repeated in another case to node:http', async () => {
    const connection = await Connection.open();
    const body = '["GET","front:case"]';
    connection.write(
      `POST / HTTP/1.1\r\nHost: router\r\nAUTHORIZATION: Bearer ${TOKEN}\r\nX-Meridian-Consistency: strong\r\n` +
        `X-Custom-Thing: 1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const read = await connection.read();
    expect(read).toMatchObject({ status: 200, body: '{"result":null}' });
    expect(read.headers['x-meridian-consistency']).toBe('strong');
    connection.write(
      `POST / HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\nx-meridian-consistency: eventual\r\n` +
        `X-MERIDIAN-CONSISTENCY: strong\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    // node:http joins the two values, which name no consistency level.
    expect((await connection.read()).status).toBe(400);
    connection.close();
  });

  it("forwards a request's header lines as the client wrote them, but the hop's, with its own host, length and consistency", async () => {
    // A recording TCP proxy in front of the primary shows the bytes the router writes.
    const written: Buffer[] = [];
    const primary = new URL((nodes.get('us-east-1') as TestNode).url);
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(Number(primary.port), primary.hostname);
      inbound.on('data', (data: Buffer) => written.push(data));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    const proxied = await startRouter({
      config,
      port: 0,
      regionUrls: { ...urlsOf(nodes), 'us-east-1': proxyUrl },
      pollIntervalMs: 50,
    });
    try {
      const connection = await Connection.open(proxied);
      const body = '["GET","front:lines"]';
      connection.write(
        `POST / HTTP/1.1\r\nHost: router\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: keep-alive\r\n` +
          `Keep-Alive: timeout=5\r\nX-Trace-Id:  abc \r\nX-Meridian-Consistency: strong\r\n` +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(await connection.read()).toMatchObject({ status: 200, body: '{"result":null}' });
      connection.close();
      const text = Buffer.concat(written).toString('latin1');
      const at = text.lastIndexOf('POST / HTTP/1.1\r\n');
      expect(text.slice(at, text.indexOf('\r\n\r\n', at) + 4)).toBe(
        `POST / HTTP/1.1\r\nhost: ${new URL(proxyUrl).host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
          `X-Trace-Id:  abc \r\nx-meridian-consistency: strong\r\ncontent-length: ${body.length}\r\n\r\n`,
      );
    } finally {
      await proxied.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('hands a header value ending in a lone CR, LF or vertical tab to node:http, which refuses it', async () => {
    for (const odd of ['\r', '\n', '\x0b']) {
      const connection = await Connection.open();
      const body = '["GET","front:odd"]';
      connection.write(
        `POST / HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\nx-odd: v${odd}\r\n` +
          `content-length: ${body.length}\r\n\r\n${body}`,
      );
      expect((await connection.read()).status).toBe(400);
      connection.close();
    }
  });

  it('counts every answered request by region and status class in /metrics, once however often scraped', async () => {
    const count = async (): Promise<number | undefined> => {
      const text = await router.metrics.registry.metrics();
      const sample = 'meridian_router_requests_total{served_by="front-test",status="2xx"}';
      const line = text.split('\n').find((one) => one.startsWith(`${sample} `));
      return line === undefined ? undefined : Number(line.slice(sample.length + 1));
    };
    for (let i = 0; i < 3; i++) router.metrics.record('front-test', 200, 0.3);
    expect(await count()).toBe(3);
    expect(await count()).toBe(3);
    router.metrics.record('front-test', 201, 0.3);
    expect(await count()).toBe(4);
  });

  it('reads a request that arrives in pieces', async () => {
    const connection = await Connection.open();
    const text = post('/', '["ECHO","split across writes"]');
    for (const cut of [5, 30, text.length - 4]) {
      connection.write(text.slice(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 5));
      connection.write(text.slice(cut));
      expect((await connection.read()).body).toBe('{"result":"split across writes"}');
    }
    connection.close();
  });

  it('hands a chunked request to node:http, which answers it and keeps the connection', async () => {
    const connection = await Connection.open();
    const body = '["ECHO","chunked"]';
    connection.write(
      `POST / HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\ntransfer-encoding: chunked\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    expect(await connection.read()).toMatchObject({ status: 200, body: '{"result":"chunked"}' });
    connection.write(post('/', '["ECHO","after"]'));
    expect((await connection.read()).body).toBe('{"result":"after"}');
    connection.close();
  });

  it('hands the dashboard, status, oversized and malformed requests to node:http', async () => {
    const status = await Connection.open();
    status.write(`GET /_meridian/status HTTP/1.1\r\nhost: router\r\nauthorization: Bearer router-test-admin\r\n\r\n`);
    const answer = await status.read();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ role: 'router' });
    status.close();

    const oversized = await Connection.open();
    oversized.write(
      `POST / HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: ${router.handler.requestBytesMax + 1}\r\n\r\n`,
    );
    const refused = await oversized.read();
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toEqual({ error: 'ERR max request size exceeded' });
    oversized.close();

    const malformed = await Connection.open();
    malformed.write('NOT A REQUEST\r\n\r\n');
    expect((await malformed.read()).status).toBe(400);
    expect(await malformed.closed()).toBe(true);

    // The router still serves.
    const after = await Connection.open();
    after.write(post('/', '["ECHO","still here"]'));
    expect((await after.read()).body).toBe('{"result":"still here"}');
    after.close();
  });

  it('closes after answering a request that asks to, and answers HEAD without a body', async () => {
    const connection = await Connection.open();
    connection.write(`HEAD /get/front:a HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
    const head = await connection.read(true);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    connection.write(post('/', '["ECHO","last"]', 'connection: close\r\n'));
    const last = await connection.read();
    expect(last.body).toBe('{"result":"last"}');
    expect(last.headers.connection).toBe('close');
    expect(await connection.closed()).toBe(true);
  });

  it('streams an event stream through as chunks', async () => {
    const connection = await Connection.open();
    connection.write(`GET /subscribe/news HTTP/1.1\r\nhost: router\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
    const events = await connection.read();
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toBe('text/event-stream');
    expect(events.body).toBe('data: event-0\n\ndata: event-1\n\ndata: event-2\n\n');
    connection.close();
  });
});
