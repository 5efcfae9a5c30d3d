/**
 * Slow and abusive clients over real sockets on 127.0.0.1: trickled headers and bodies are cut off by
 * the timeouts, idle connections and a client that never reads do not stop anyone else, oversized
 * bodies get a 413 without being read to the end, unparseable requests a JSON 400.
 */
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { connect, flood, record, trickle } from './support/sockets.js';

const TOKEN = 'slow-clients-token';
const BYTES_MAX = 64 * 1024;
const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
/** Timeouts are enforced on a periodic check: allow for it and a loaded CI machine. */
const CUT_OFF_MS_MAX = 2_500;

describe('slow and abusive clients', () => {
  const node = new MeridianNode({
    token: TOKEN,
    region: 'fault',
    requestBytesMax: BYTES_MAX,
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: 300,
  });
  let url = '';
  let port = 0;
  beforeAll(async () => {
    url = await node.start();
    port = Number(new URL(url).port);
  });
  afterAll(() => node.close());

  /**
   * One command on a connection of its own (no keep-alive): with the node's 300 ms keep-alive timeout a
   * pooled connection can be closed by the node just as the next request goes out (ECONNRESET), which
   * says nothing about slow clients.
   */
  function command(argv: string[]): Promise<{ status: number; body: unknown; ms: number }> {
    const startMs = Date.now();
    return new Promise((resolve, reject) => {
      const request = http.request(
        url,
        { method: 'POST', agent: false, headers: { authorization: `Bearer ${TOKEN}` }, timeout: 5_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
              ms: Date.now() - startMs,
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
      request.on('error', reject);
      request.end(JSON.stringify(argv));
    });
  }

  it('cuts off a client that trickles its headers, and serves others meanwhile', async () => {
    const socket = await connect(port);
    const recording = record(socket);
    const stop = trickle(
      socket,
      `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nX-Slow: ${'a'.repeat(500)}`,
      20,
    );
    expect((await command(['SET', 'during-slowloris', '1'])).body).toEqual({ result: 'OK' });
    const closedAfterMs = await recording.closed(CUT_OFF_MS_MAX);
    stop();
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(recording.text()).toMatch(/^HTTP\/1\.1 408 [^]*\r\n\r\n\{"error":"ERR request timeout[^"]*"\}$/);
  });

  it('cuts off a client that trickles its body, without running the command', async () => {
    const socket = await connect(port);
    const recording = record(socket);
    const body = JSON.stringify(['SET', 'slow-body', 'x'.repeat(100)]);
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const stop = trickle(socket, body, 20);
    const closedAfterMs = await recording.closed(CUT_OFF_MS_MAX);
    stop();
    expect(closedAfterMs).toBeDefined();
    expect(recording.text()).toMatch(/^HTTP\/1\.1 408 /);
    expect((await command(['EXISTS', 'slow-body'])).body).toEqual({ result: 0 });
  });

  it('serves a normal client promptly while 500 connections sit idle', async () => {
    const idle: net.Socket[] = [];
    try {
      for (let i = 0; i < 500; i++) {
        const socket = await connect(port);
        // The node may cut an idle connection off (headers or keep-alive timeout) and reset it: expected.
        socket.on('error', () => {});
        idle.push(socket);
      }
      for (const socket of idle.slice(0, 250)) socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n');
      for (let i = 0; i < 5; i++) {
        const answer = await command(['INCR', 'among-idle']);
        expect(answer.status).toBe(200);
        expect(answer.ms).toBeLessThan(1_000);
      }
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it('stops reading from a client that never reads its answers, and keeps serving others', async () => {
    const part = 'x'.repeat(60 * 1024);
    expect((await command(['SET', 'big', part])).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await command(['APPEND', 'big', part])).status).toBe(200);
    const socket = await connect(port);
    socket.on('error', () => {});
    socket.pause();
    const pipelined = `POST /pipeline HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 35\r\n\r\n[["INCR","answered"],["GET","big"]]`;
    const heapBeforeBytes = process.memoryUsage().heapUsed;
    socket.write(pipelined.repeat(2_000));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const answered = await command(['GET', 'answered']);
    expect(answered.ms).toBeLessThan(1_000);
    // 2000 answers of 240 KiB would be 470 MiB; the server stops once the socket's buffers are full.
    expect(Number((answered.body as { result: string }).result)).toBeLessThan(200);
    expect(process.memoryUsage().heapUsed - heapBeforeBytes).toBeLessThan(128 * 1024 * 1024);
    socket.destroy();
  });

  it('answers 413 to a declared oversized body at once, without reading it', async () => {
    const socket = await connect(port);
    const recording = record(socket);
    socket.write(
      `POST /set/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 1000000000\r\n\r\n`,
    );
    const writtenBytes = await flood(socket, Buffer.alloc(64 * 1024, 0x78), 2_000);
    expect(await recording.closed(1_000)).toBeLessThan(2_000);
    expect(recording.text()).toMatch(/^HTTP\/1\.1 413 [^]*\r\n\r\n\{"error":"ERR max request size exceeded"\}$/);
    expect(writtenBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers 413 to a chunked body once it passes the limit, without reading the rest', async () => {
    const socket = await connect(port);
    const recording = record(socket);
    socket.write(
      `POST /set/k HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const data = 'x'.repeat(16 * 1024);
    const chunk = Buffer.from(`${data.length.toString(16)}\r\n${data}\r\n`);
    const writtenBytes = await flood(socket, chunk, 2_000);
    expect(await recording.closed(1_000)).toBeLessThan(2_000);
    expect(recording.text()).toMatch(/^HTTP\/1\.1 413 [^]*\{"error":"ERR max request size exceeded"\}$/);
    expect(writtenBytes).toBeLessThan(64 * 1024 * 1024);
    expect((await command(['EXISTS', 'k'])).body).toEqual({ result: 0 });
  });

  it('answers requests node:http cannot parse with a JSON 400 and closes', async () => {
    const garbage = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      `POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`,
    ];
    for (const text of garbage) {
      const socket = await connect(port);
      const recording = record(socket);
      socket.write(Buffer.from(text, 'latin1'));
      expect(await recording.closed(CUT_OFF_MS_MAX), JSON.stringify(text.slice(0, 40))).toBeDefined();
      expect(recording.text(), JSON.stringify(text.slice(0, 40))).toMatch(
        /^HTTP\/1\.1 4(00|31) [^]*\r\n\r\n\{"error":"ERR [^"]+"\}$/,
      );
    }
    expect((await command(['PING'])).body).toEqual({ result: 'PONG' });
  });
});
