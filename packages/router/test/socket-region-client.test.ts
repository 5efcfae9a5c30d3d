import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpRegionClient,
  OutboundAgents,
  type RegionCallResult,
  type RegionClient,
  type RegionRequest,
  SocketRegionClient,
  isAnswerStream,
  readAnswer,
} from '@meridian/router';

/** The socket client against real servers on loopback: framing, reuse, failures and the fallback. */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (server instanceof http.Server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Counts what goes to the fallback (the real node:http client underneath). */
class CountingClient implements RegionClient {
  calls = 0;
  constructor(private readonly inner: RegionClient) {}
  send(url: string, request: RegionRequest): Promise<RegionCallResult> {
    this.calls++;
    return this.inner.send(url, request);
  }
}

function clients(socketsMax?: number): { client: SocketRegionClient; fallback: CountingClient } {
  const agents = new OutboundAgents({ keepAlive: true }, undefined);
  const fallback = new CountingClient(new HttpRegionClient(agents));
  const client = new SocketRegionClient(fallback, socketsMax);
  cleanups.push(() => {
    client.destroy();
    agents.destroy();
  });
  return { client, fallback };
}

function request(overrides: Partial<RegionRequest> = {}): RegionRequest {
  return {
    method: 'POST',
    path: '/',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: Buffer.from('["GET","k"]'),
    timeoutMs: 5_000,
    ...overrides,
  };
}

async function answered(result: Promise<RegionCallResult>): Promise<{
  status: number;
  headers: Record<string, unknown>;
  body: string;
  streamed: boolean;
}> {
  const outcome = await result;
  if (outcome.kind !== 'answered') throw new Error(`failed: ${outcome.error}`);
  const { status, headers, body } = outcome.answer;
  const bytes = await readAnswer(body, 64 * 1024 * 1024);
  return {
    status,
    headers: headers as Record<string, unknown>,
    body: Buffer.from(bytes as Uint8Array).toString('latin1'),
    streamed: isAnswerStream(body),
  };
}

describe('SocketRegionClient', () => {
  it('sends method, path, headers (its own host and content-length) and body, and reads status, headers and body', async () => {
    const seen: {
      method?: string | undefined;
      url?: string | undefined;
      headers?: http.IncomingHttpHeaders;
      body?: string;
    }[] = [];
    const url = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.setEncoding('latin1');
        req.on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          seen.push({ method: req.method, url: req.url, headers: req.headers, body });
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.statusCode = 201;
          res.setHeader('content-type', 'application/json');
          res.setHeader('x-many', ['x', 'y']);
          res.end('{"result":"é"}');
        });
      }),
    );
    const { client, fallback } = clients();
    const result = await answered(
      client.send(
        url,
        request({
          path: '/get/k?x=1',
          headers: { 'x-list': ['one', 'two'], 'content-length': '999', host: 'elsewhere', expect: '100-continue' },
          body: Buffer.from('caf\u00e9', 'latin1'),
        }),
      ),
    );
    expect(result).toMatchObject({ status: 201, body: '{"result":"\u00c3\u00a9"}', streamed: false });
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(result.headers['x-many']).toBe('x, y');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/get/k?x=1');
    expect(seen[0]?.body).toBe('caf\u00e9');
    expect(seen[0]?.headers?.host).toBe(new URL(url).host);
    expect(seen[0]?.headers?.['content-length']).toBe('4');
    expect(seen[0]?.headers?.['x-list']).toBe('one, two');
    expect(seen[0]?.headers?.expect).toBeUndefined();
    expect(fallback.calls).toBe(0);
  });

  it("hands the region's header lines on as written, without the hop's and the router's own, and says what they hold", async () => {
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n' +
      'X-Meridian-Served-By:  far \r\nx-a: 1\r\nx-meridian-consistency: strong\r\nx-a: 2\r\n' +
      'Date: Sun, 06 Dec 2026 05:00:00 GMT\r\nContent-Length: 2\r\n\r\nok';
    const url = await listen(net.createServer((socket) => socket.once('data', () => socket.write(head, 'latin1'))));
    const { client } = clients();
    const outcome = await client.send(url, request());
    if (outcome.kind !== 'answered') throw new Error(outcome.error);
    const { answer } = outcome;
    expect(answer.lines).toBe(
      'Content-Type: application/json\r\nX-Meridian-Served-By:  far \r\nx-a: 1\r\nx-a: 2\r\n' +
        'Date: Sun, 06 Dec 2026 05:00:00 GMT\r\n',
    );
    expect(answer).toMatchObject({ status: 200, servedBy: 'far', stalenessMs: undefined, dated: true });
    expect(Buffer.from(answer.body as Uint8Array).toString()).toBe('ok');
    // The map, when asked for, is every header as before.
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json',
      connection: 'keep-alive',
      'x-meridian-served-by': 'far',
      'x-a': '1, 2',
      'x-meridian-consistency': 'strong',
      'content-length': '2',
    });
  });

  it('passes no lines on when a header holds a lone line feed (the router then refuses it from the map)', async () => {
    const head = 'HTTP/1.1 200 OK\r\nx-bad: a\nb\r\ncontent-length: 0\r\n\r\n';
    const url = await listen(net.createServer((socket) => socket.once('data', () => socket.write(head, 'latin1'))));
    const { client } = clients();
    const outcome = await client.send(url, request());
    if (outcome.kind !== 'answered') throw new Error(outcome.error);
    expect(outcome.answer.lines).toBeUndefined();
    expect(outcome.answer.headers['x-bad']).toBe('a\nb');
  });

  it('keeps one connection alive across requests, and opens more only for requests in flight together', async () => {
    const connections = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      connections.add(req.socket);
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 5));
    });
    const url = await listen(server);
    const { client } = clients();
    for (let i = 0; i < 5; i++) expect((await answered(client.send(url, request()))).body).toBe('ok');
    expect(connections.size).toBe(1);
    const together = await Promise.all([1, 2, 3].map(() => answered(client.send(url, request()))));
    expect(together.map((one) => one.body)).toEqual(['ok', 'ok', 'ok']);
    expect(connections.size).toBe(3);
  });

  it('holds requests beyond its socket limit until a socket comes free', async () => {
    const connections = new Set<net.Socket>();
    let inFlight = 0;
    let inFlightMax = 0;
    const url = await listen(
      http.createServer((req, res) => {
        connections.add(req.socket);
        inFlightMax = Math.max(inFlightMax, ++inFlight);
        req.resume();
        req.on('end', () =>
          setTimeout(() => {
            inFlight--;
            res.end(req.url);
          }, 3),
        );
      }),
    );
    const { client } = clients(2);
    const paths = ['/1', '/2', '/3', '/4', '/5', '/6', '/7'];
    const bodies = await Promise.all(
      paths.map(async (path) => (await answered(client.send(url, request({ path })))).body),
    );
    expect(bodies).toEqual(paths);
    expect(connections.size).toBe(2);
    expect(inFlightMax).toBe(2);
  });

  it('reads chunked answers and answers larger than 64 KiB as streams, byte for byte', async () => {
    const big = Buffer.alloc(300_000, 'x');
    big.write('start', 0, 'latin1');
    big.write('end', big.length - 3, 'latin1');
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        if (req.url === '/chunked') {
          res.write('first;');
          setTimeout(() => res.end('second'), 5);
        } else if (req.url === '/big') {
          res.setHeader('content-length', big.length);
          res.end(big);
        } else res.end('small');
      }),
    );
    const { client } = clients();
    expect(await answered(client.send(url, request({ path: '/chunked' })))).toMatchObject({
      body: 'first;second',
      streamed: true,
    });
    const large = await answered(client.send(url, request({ path: '/big' })));
    expect(large.streamed).toBe(true);
    expect(large.body.length).toBe(big.length);
    expect(large.body === big.toString('latin1')).toBe(true);
    // The socket was left clean after both: the next answer is its own.
    expect((await answered(client.send(url, request()))).body).toBe('small');
  });

  it('reads no body for HEAD and 204 answers even with a content-length', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        if (req.url === '/empty') {
          res.writeHead(204).end();
          return;
        }
        res.writeHead(200, { 'content-length': '42' });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(42));
      }),
    );
    const { client } = clients();
    const head = await answered(client.send(url, request({ method: 'HEAD', body: Buffer.alloc(0) })));
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('42');
    expect(await answered(client.send(url, request({ path: '/empty' })))).toMatchObject({ status: 204, body: '' });
    expect((await answered(client.send(url, request({ method: 'GET', body: Buffer.alloc(0) })))).body).toBe(
      'x'.repeat(42),
    );
  });

  it('does not reuse a connection the region closes, and says a failure on a reused socket before any answer is retryable', async () => {
    let requests = 0;
    const sockets = new Set<net.Socket>();
    const url = await listen(
      http.createServer((req, res) => {
        requests++;
        sockets.add(req.socket);
        req.resume();
        if (req.url === '/close') res.writeHead(200, { connection: 'close' }).end('bye');
        else if (req.url === '/drop') req.socket.destroy();
        else res.end('ok');
      }),
    );
    const { client } = clients();
    expect((await answered(client.send(url, request({ path: '/close' })))).body).toBe('bye');
    expect((await answered(client.send(url, request()))).body).toBe('ok');
    expect(sockets.size).toBe(2);
    const dropped = await client.send(url, request({ path: '/drop' }));
    expect(dropped).toMatchObject({ kind: 'failed', timedOut: false, retryable: true });
    expect((await answered(client.send(url, request()))).body).toBe('ok');
    expect(requests).toBe(4);
  });

  it('fails with a timeout when no answer comes, and with a clear error when nothing listens', async () => {
    const url = await listen(http.createServer(() => undefined));
    const { client } = clients();
    const slow = await client.send(url, request({ timeoutMs: 50 }));
    expect(slow).toMatchObject({ kind: 'failed', timedOut: true, retryable: false });
    expect(slow.kind === 'failed' && slow.error).toBe('no answer within 50 ms');
    const unused = net.createServer();
    const port = Number(new URL(await listen(unused)).port);
    await new Promise<void>((resolve) => unused.close(() => resolve()));
    const refused = await client.send(`http://127.0.0.1:${port}`, request());
    expect(refused).toMatchObject({ kind: 'failed', timedOut: false, retryable: false });
    expect(refused.kind === 'failed' && refused.error).toContain('ECONNREFUSED');
  });

  it('refuses a malformed answer with a clear error, and the next request gets a fresh connection', async () => {
    let connection = 0;
    const server = net.createServer((socket) => {
      const mine = ++connection;
      socket.once('data', () => {
        if (mine === 1) socket.end('SPDY/9 what\r\n\r\n');
        else if (mine === 2) socket.end('HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n');
        else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    const url = await listen(server);
    const { client } = clients();
    const garbage = await client.send(url, request());
    expect(garbage.kind === 'failed' && garbage.error).toContain('malformed answer status line');
    const badLength = await client.send(url, request());
    expect(badLength.kind === 'failed' && badLength.error).toContain('malformed answer content-length');
    expect((await answered(client.send(url, request()))).body).toBe('ok');
    cleanups.push(() => {
      for (const socket of [server]) socket.close();
    });
  });

  it('closes the connection of a streamed answer the client abandons, and serves the next request', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        if (req.url === '/endless') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => res.write('tick\n'), 2);
          res.on('close', () => clearInterval(timer));
          return;
        }
        res.end('ok');
      }),
    );
    const { client } = clients();
    const endless = await client.send(url, request({ path: '/endless' }));
    if (endless.kind !== 'answered' || !isAnswerStream(endless.answer.body)) throw new Error('expected a stream');
    const body = endless.answer.body;
    const iterator = body[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toContain('tick');
    body.cancel();
    expect((await answered(client.send(url, request()))).body).toBe('ok');
  });

  it('sends event streams (no timeout) and https:// regions through the fallback', async () => {
    const url = await listen(
      http.createServer((req, res) => {
        req.resume();
        res.end('via fallback');
      }),
    );
    const { client, fallback } = clients();
    expect((await answered(client.send(url, request({ timeoutMs: undefined })))).body).toBe('via fallback');
    expect(fallback.calls).toBe(1);
    const tls = await client.send('https://127.0.0.1:1', request());
    expect(tls.kind).toBe('failed');
    expect(fallback.calls).toBe(2);
    expect((await answered(client.send(url, request()))).body).toBe('via fallback');
    expect(fallback.calls).toBe(2);
  });

  describe('pipelining', () => {
    /**
     * A raw server: per connection, the paths of the requests it received; the requests whole in
     * one read are answered together (`answer` writes for them).
     */
    function pipelineServer(answer: (paths: string[], socket: net.Socket, connection: number) => void): {
      server: net.Server;
      connections: string[][];
    } {
      const connections: string[][] = [];
      const server = net.createServer((socket) => {
        const paths: string[] = [];
        const connection = connections.push(paths) - 1;
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (data: string) => {
          text += data;
          const whole: string[] = [];
          for (;;) {
            const end = text.indexOf('\r\n\r\n');
            if (end < 0) break;
            const length = Number(/content-length: (\d+)/.exec(text.slice(0, end))?.[1] ?? 0);
            if (text.length < end + 4 + length) break;
            whole.push(text.slice(0, end).split(' ')[1] as string);
            text = text.slice(end + 4 + length);
          }
          paths.push(...whole);
          if (whole.length > 0 && !socket.writableEnded) answer(whole, socket, connection);
        });
      });
      return { server, connections };
    }

    /** An answer per path, its framing chosen by the path's first letter. */
    function answerFor(path: string): string {
      if (path.startsWith('/b'))
        return `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n${path.length.toString(16)}\r\n${path}\r\n0\r\n\r\n`;
      if (path.startsWith('/c')) return 'HTTP/1.1 204 No Content\r\n\r\n';
      return `HTTP/1.1 200 OK\r\ncontent-length: ${path.length}\r\n\r\n${path}`;
    }

    /** `paths` sent in one turn; the first finds nothing in flight and goes alone, the others are pipelined. */
    function sendTogether(client: SocketRegionClient, url: string, paths: string[]): Promise<RegionCallResult>[] {
      return paths.map((path) => client.send(url, request({ path, pipelinable: true })));
    }

    it('writes reads sent in one turn while another is in flight on one connection, each with its own answer, whatever the framing', async () => {
      const { server, connections } = pipelineServer((paths, socket) => {
        // The answers to one read in one write: by length, chunked, without a body, by length again.
        socket.write(paths.map(answerFor).join(''));
      });
      const url = await listen(server);
      const { client } = clients();
      const results = sendTogether(client, url, ['/first', '/a', '/b', '/c', '/d']);
      const bodies = await Promise.all(results.map(async (result) => (await answered(result)).body));
      expect(bodies).toEqual(['/first', '/a', 'abc/b', '', '/d']);
      expect(connections).toEqual([['/first'], ['/a', '/b', '/c', '/d']]);
      // Both connections are clean afterwards: the next turn's reads reuse them.
      const again = sendTogether(client, url, ['/e', '/a2', '/b2', '/c2']);
      expect((await Promise.all(again.map(answered))).map((one) => one.body)).toEqual(['/e', '/a2', 'abc/b2', '']);
      expect(connections.length).toBe(2);
    });

    it('reads pipelined answers that arrive a byte at a time', async () => {
      const { server } = pipelineServer((paths, socket) => {
        const text = paths.map(answerFor).join('');
        let at = 0;
        const timer = setInterval(() => {
          socket.write(text.slice(at, at + 1));
          if (++at >= text.length) clearInterval(timer);
        }, 0);
      });
      const url = await listen(server);
      const { client } = clients();
      const results = sendTogether(client, url, ['/first', '/one', '/b-two', '/three']);
      expect((await Promise.all(results.map(answered))).map((one) => one.body)).toEqual([
        '/first',
        '/one',
        'abc/b-two',
        '/three',
      ]);
    });

    it('keeps other requests on connections of their own', async () => {
      const { server, connections } = pipelineServer((paths, socket) => socket.write(paths.map(answerFor).join('')));
      const url = await listen(server);
      const { client } = clients();
      const results = ['/a', '/b', '/c'].map((path) => client.send(url, request({ path })));
      expect((await Promise.all(results.map(answered))).map((one) => one.body)).toEqual(['/a', 'abc/b', '']);
      expect(connections.length).toBe(3);
    });

    it('fails the requests behind an answer that closes the connection as retryable, and they succeed when sent again', async () => {
      const { server } = pipelineServer((paths, socket, connection) => {
        if (connection === 1) socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 3\r\n\r\nbye');
        else socket.write(paths.map(answerFor).join(''));
      });
      const url = await listen(server);
      const { client } = clients();
      const results = await Promise.all(sendTogether(client, url, ['/first', '/a', '/d', '/e']));
      expect(results).toMatchObject([
        { kind: 'answered' },
        { kind: 'answered' },
        { kind: 'failed', timedOut: false, retryable: true },
        { kind: 'failed', timedOut: false, retryable: true },
      ]);
      expect((await answered(client.send(url, request({ path: '/d', pipelinable: true })))).body).toBe('/d');
    });

    it('fails every request on a connection the region drops, and only those that saw no answer are retryable', async () => {
      let dropping = false;
      const { server } = pipelineServer((paths, socket, connection) => {
        if (connection === 0) {
          socket.write(paths.map(answerFor).join(''));
          return;
        }
        if (dropping) return;
        dropping = true;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\npart');
        setTimeout(() => socket.destroy(), 10);
      });
      const url = await listen(server);
      const { client } = clients();
      const results = await Promise.all(sendTogether(client, url, ['/first', '/a', '/d', '/e']));
      expect(results).toMatchObject([
        { kind: 'answered' },
        { kind: 'answered' },
        { kind: 'failed', retryable: false },
        { kind: 'failed', retryable: true },
      ]);
    });

    it('answers pipelined reads through a node:http region in order', async () => {
      const seen = new Set<net.Socket>();
      const url = await listen(
        http.createServer((req, res) => {
          seen.add(req.socket);
          req.resume();
          res.end(`answer to ${req.url}`);
        }),
      );
      const { client } = clients();
      const paths = Array.from({ length: 40 }, (_, i) => `/k${i}`);
      const results = sendTogether(client, url, paths);
      expect((await Promise.all(results.map(answered))).map((one) => one.body)).toEqual(
        paths.map((path) => `answer to ${path}`),
      );
      // The first alone, then 39 in one turn at most 16 per connection.
      expect(seen.size).toBe(4);
    });
  });
});
