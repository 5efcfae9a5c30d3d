/**
 * The front door (packages/rest/src/front.ts) under random byte streams on real sockets: pipelined
 * requests of every framing it reads itself or hands to node:http (chunked bodies, Expect, repeated
 * headers), cut into random pieces, each answered in order and correctly, and the node keeps serving.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';

const TOKEN = 'front-fuzz-token';
let node: MeridianNode;
let port = 0;

beforeAll(async () => {
  node = new MeridianNode({ token: TOKEN, region: 'fuzz' });
  port = Number(new URL(await node.start()).port);
});
afterAll(() => node.close());

/** A small deterministic generator (xorshift), so a failure names its seed. */
function generator(seed: number): (n: number) => number {
  let state = seed * 2654435761 + 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

interface Case {
  readonly bytes: Buffer;
  readonly expected: readonly { status: number; body: string | undefined }[];
}

const PIECES = ['a', 'Z', '0', ' ', 'é', '✓', '"', '\\', '/', '%', '🙂', '\n'];

function text(random: (n: number) => number): string {
  let out = '';
  for (let i = random(12); i > 0; i--) out += PIECES[random(PIECES.length)];
  return out;
}

/** One request and the answer it must get. The last one may close the connection. */
function request(random: (n: number) => number, last: boolean): { bytes: Buffer; status: number; body?: string } {
  const payload = text(random);
  const body = JSON.stringify(['ECHO', payload]);
  const expected = JSON.stringify({ result: payload });
  const auth = random(2) === 0 ? `Authorization: Bearer ${TOKEN}` : `authorization: Bearer ${TOKEN}`;
  const extra = random(3) === 0 ? `X-Noise: ${text(random).replace(/[\n\u0080-\u{10ffff}]/gu, 'x')}\r\n` : '';
  const close = last && random(3) === 0 ? 'Connection: close\r\n' : '';
  const bodyBytes = Buffer.from(body, 'utf8');
  // The path form needs an argument: `/echo/` alone is ECHO with none (wrong arity).
  const form = random(6);
  switch (form === 1 && payload === '' ? 5 : form) {
    case 0: {
      // Chunked: node:http's.
      const cut = random(bodyBytes.length + 1);
      const chunks = [bodyBytes.subarray(0, cut), bodyBytes.subarray(cut)].filter((part) => part.length > 0);
      const framed = Buffer.concat([
        ...chunks.flatMap((part) => [Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]),
        Buffer.from('0\r\n\r\n'),
      ]);
      const head = `POST / HTTP/1.1\r\nHost: x\r\n${auth}\r\n${extra}${close}Transfer-Encoding: chunked\r\n\r\n`;
      return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), framed]), status: 200, body: expected };
    }
    case 1: {
      // The path form, percent-encoded.
      const head = `GET /echo/${encodeURIComponent(payload)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n${extra}${close}\r\n`;
      return { bytes: Buffer.from(head, 'latin1'), status: 200, body: expected };
    }
    case 2: {
      // No token: 401, and the connection stays usable.
      const head = `POST / HTTP/1.1\r\nHost: x\r\n${extra}${close}Content-Length: ${bodyBytes.length}\r\n\r\n`;
      return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]), status: 401 };
    }
    case 3: {
      // A repeated header: node:http's.
      const head = `POST / HTTP/1.1\r\nHost: x\r\n${auth}\r\nX-Twice: 1\r\nX-Twice: 2\r\n${close}Content-Length: ${bodyBytes.length}\r\n\r\n`;
      return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]), status: 200, body: expected };
    }
    default: {
      const head = `POST / HTTP/1.1\r\nHost: x\r\n${auth}\r\n${extra}${close}Content-Length: ${bodyBytes.length}\r\n\r\n`;
      return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]), status: 200, body: expected };
    }
  }
}

function scenario(seed: number): Case {
  const random = generator(seed);
  const count = 1 + random(5);
  const requests = Array.from({ length: count }, (_, i) => request(random, i === count - 1));
  return {
    bytes: Buffer.concat(requests.map((one) => one.bytes)),
    expected: requests.map((one) => ({ status: one.status, body: one.body })),
  };
}

/** Answers read off a socket in order: status and body (content-length or chunked). */
function answers(socket: net.Socket, count: number): Promise<{ status: number; body: string }[]> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const out: { status: number; body: string }[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${out.length} of ${count} answers`)), 5_000);
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.toString('latin1', 0, end);
        const status = Number(head.split(' ')[1]);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        let at = end + 4;
        let body: Buffer;
        if (length !== null) {
          if (buffer.length < at + Number(length[1])) return;
          body = buffer.subarray(at, at + Number(length[1]));
          at += Number(length[1]);
        } else {
          const parts: Buffer[] = [];
          for (;;) {
            const lineEnd = buffer.indexOf('\r\n', at);
            if (lineEnd < 0) return;
            const size = Number.parseInt(buffer.toString('latin1', at, lineEnd), 16);
            if (buffer.length < lineEnd + 2 + size + 2) return;
            parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
            at = lineEnd + 2 + size + 2;
            if (size === 0) break;
          }
          body = Buffer.concat(parts);
        }
        buffer = buffer.subarray(at);
        out.push({ status, body: body.toString('utf8') });
        if (out.length === count) {
          clearTimeout(timer);
          resolve(out);
          return;
        }
      }
    });
    socket.on('error', reject);
  });
}

describe('the front door under random pipelined byte streams', () => {
  it('answers every request of 150 random streams in order, cut into random pieces', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const { bytes, expected } = scenario(seed);
      const socket = net.connect(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const reading = answers(socket, expected.length);
      const random = generator(seed + 10_000);
      for (let at = 0; at < bytes.length;) {
        const size = 1 + random(Math.max(1, Math.min(64, bytes.length - at)));
        socket.write(bytes.subarray(at, at + size));
        at += size;
        if (random(4) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const got = await reading;
      socket.destroy();
      expect(
        got.map((answer) => answer.status),
        `seed ${seed}`,
      ).toEqual(expected.map((one) => one.status));
      for (const [i, one] of expected.entries()) {
        if (one.body !== undefined) expect(got[i]?.body, `seed ${seed}, request ${i}`).toBe(one.body);
      }
    }
    const check = await fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: '["PING"]',
    });
    expect(await check.json()).toEqual({ result: 'PONG' });
  }, 60_000);
});
