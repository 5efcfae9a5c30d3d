/**
 * Malformed REST requests, generated and targeted: mutated and truncated JSON, deep nesting, invalid
 * UTF-8, odd numbers, bad percent-encoding, empty and oversized bodies, values of the wrong JSON kind.
 * The node answers a 4xx `{"error": …}` (or a 200 with one entry per command for a pipeline), never a
 * 5xx, and a rejected request leaves the keyspace as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { type Answer, digest, isJsonError, seed, send } from './support/rest.js';

const TOKEN = 'rest-bodies-token';
const BYTES_MAX = 1024 * 1024;

function expectWellFormed(answer: Answer, url: string, what: string): void {
  expect(answer.status, `${url} ${what} → ${answer.text}`).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(isJsonError(answer), `${url} ${what} → ${answer.text}`).toBe(true);
    return;
  }
  expect(answer.status).toBe(200);
  if (url === '/pipeline' || url === '/multi-exec') {
    expect(Array.isArray(answer.json)).toBe(true);
    for (const entry of answer.json as Record<string, unknown>[]) expect(Object.keys(entry)).toHaveLength(1);
  } else {
    expect(Object.keys(answer.json as object)).toEqual(['result']);
  }
}

const validBodies = fc.oneof(
  fc.constant('["SET","k","v"]'),
  fc.constant('[["SET","a","1"],["INCR","a"],["GET","a"]]'),
  fc.constant('["HSET","h","f","v"]'),
  fc
    .array(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean()), { minLength: 1, maxLength: 6 })
    .map((args) => JSON.stringify(['RPUSH', 'l', ...args])),
);

/** A valid body, then broken: truncated, a byte changed, invalid UTF-8 spliced in, or wrapped in arrays. */
const mutatedBodies = fc
  .tuple(
    validBodies,
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom('truncate', 'flip', 'splice', 'wrap', 'nullify'),
  )
  .map(([text, position, byte, how]) => {
    const bytes = Buffer.from(text, 'utf8');
    const at = position % (bytes.length + 1);
    switch (how) {
      case 'truncate':
        return bytes.subarray(0, at);
      case 'flip': {
        const copy = Buffer.from(bytes);
        if (at < copy.length) copy[at] = byte;
        return copy;
      }
      case 'splice':
        return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff, 0xfe, byte]), bytes.subarray(at)]);
      case 'wrap':
        return Buffer.from(`${'['.repeat(1 + (byte % 40))}${text}${']'.repeat(1 + (byte % 40))}`);
      default:
        return Buffer.from(text.replace(/"v"|"1"|"f"/, byte % 2 === 0 ? 'null' : '{"a":[1]}'));
    }
  });

describe('malformed REST bodies', () => {
  const node = new MeridianNode({ token: TOKEN, region: 'fault', requestBytesMax: BYTES_MAX });
  beforeAll(() => seed(node, TOKEN));
  afterAll(() => node.close());

  it('answers mutated, truncated and wrongly nested bodies with a JSON error or a well-formed result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/', '/pipeline', '/multi-exec'), mutatedBodies, async (url, body) => {
        const before = digest(node);
        const answer = await send(node, url, body, { token: TOKEN });
        expectWellFormed(answer, url, body.toString('latin1'));
        if (answer.status >= 400) expect(digest(node)).toBe(before);
      }),
      { numRuns: 1000 },
    );
  });

  it('survives 100k levels of nesting anywhere in a body', async () => {
    const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const cases: [string, string][] = [
      ['/', deepArray],
      ['/pipeline', deepArray],
      ['/multi-exec', deepArray],
      ['/', `["SET","k",${deepArray}]`],
      ['/', `["SET","k",${deepObject}]`],
      ['/pipeline', `[["SET","k","v"],${deepArray}]`],
      ['/multi-exec', `[["SET","k","v"],["SET","k",${deepObject}]]`],
      ['/', deepArray.slice(0, 150_000)],
    ];
    const before = digest(node);
    for (const [url, body] of cases) {
      const answer = await send(node, url, body, { token: TOKEN });
      expect(answer.status, `${url} ${body.slice(0, 20)}`).toBe(400);
      expect(isJsonError(answer)).toBe(true);
    }
    expect(digest(node)).toBe(before);
  });

  it('names the argument of the wrong JSON kind', async () => {
    const before = digest(node);
    const cases: [string, unknown[], RegExp][] = [
      ['/', ['SET', 'k', null], /^ERR invalid argument at index 2: .*got null$/],
      ['/', ['SET', { k: 1 }, 'v'], /^ERR invalid argument at index 1: .*got an object$/],
      ['/', ['SET', 'k', ['v']], /^ERR invalid argument at index 2: .*got an array$/],
      ['/', [null], /^ERR invalid argument at index 0/],
      ['/', [], /^ERR empty command/],
      ['/pipeline', [['SET', 'a', '1'], 'GET'], /^ERR a command must be a JSON array.*\(pipeline command 1\)$/],
      ['/pipeline', [['SET', 'a', '1'], []], /^ERR empty command \(pipeline command 1\)$/],
      ['/pipeline', [], /^ERR empty pipeline$/],
      [
        '/multi-exec',
        [
          ['SET', 'a', '1'],
          ['SET', 'b', null],
        ],
        /^ERR invalid argument at index 2 \(transaction command 1\)/,
      ],
    ];
    for (const [url, body, error] of cases) {
      const answer = await send(node, url, body, { token: TOKEN });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((answer.json as { error: string }).error).toMatch(error);
    }
    for (const body of ['', '   ', '{"SET":"k"}', '"SET k v"', '42', 'null', 'NaN', '[NaN]', '["SET","k",Infinity]']) {
      for (const url of ['/', '/pipeline', '/multi-exec']) {
        const answer = await send(node, url, body, { token: TOKEN });
        expect(answer.status, `${url} ${body}`).toBe(400);
        expect(isJsonError(answer)).toBe(true);
      }
    }
    expect(digest(node)).toBe(before);
  });

  it('turns huge, negative and fractional numbers into Redis range errors', async () => {
    const before = digest(node);
    const cases: [unknown[] | string, string][] = [
      ['["INCRBY","k:string",1e999999]', 'ERR value is not an integer or out of range'],
      ['["INCRBY","k:string",-1e999999]', 'ERR value is not an integer or out of range'],
      [['INCRBY', 'k:string', 9223372036854775807], 'ERR value is not an integer or out of range'],
      [['INCRBY', 'k:string', 1.5], 'ERR value is not an integer or out of range'],
      [['INCRBY', 'k:string', 'NaN'], 'ERR value is not an integer or out of range'],
      [['INCRBYFLOAT', 'k:string', 'NaN'], 'ERR value is not a valid float'],
      [['INCRBYFLOAT', 'k:string', 'inf'], 'ERR increment would produce NaN or Infinity'],
      [['SET', 'k', 'v', 'EX', -1], "ERR invalid expire time in 'set' command"],
      [['SET', 'k', 'v', 'EX', 0.5], 'ERR value is not an integer or out of range'],
      // JSON numbers beyond 2^53 arrive rounded (9223372036854776000): out of the 64-bit range.
      [['EXPIRE', 'k:string', 9223372036854775807], 'ERR value is not an integer or out of range'],
      [['EXPIRE', 'k:string', '9223372036854775807'], "ERR invalid expire time in 'expire' command"],
      [['LRANGE', 'k:list', '1e3', 2], 'ERR value is not an integer or out of range'],
      [['ZADD', 'k:zset', 'NaN', 'm'], 'ERR value is not a valid float'],
    ];
    for (const [body, error] of cases) {
      const answer = await send(node, '/', body, { token: TOKEN });
      expect(answer.json, JSON.stringify(body)).toEqual({ error });
      expect(answer.status).toBe(400);
    }
    expect(digest(node)).toBe(before);
    const big = await send(node, '/', ['SET', 'n', 2 ** 60], { token: TOKEN });
    expect(big.json).toEqual({ result: 'OK' });
    expect((await send(node, '/', ['GET', 'n'], { token: TOKEN })).json).toEqual({ result: String(2 ** 60) });
    await seed(node, TOKEN);
  });

  it('decodes bad percent-encoding and invalid UTF-8 in paths leniently, byte for byte', async () => {
    const cases: [string, string][] = [
      ['/set/p1/%', '%'],
      ['/set/p1/a%2', 'a%2'],
      ['/set/p1/%zz%', '%zz%'],
      ['/set/p1/%E0%A4', '\u00e0\u00a4'],
      ['/set/p1/%C0%80%FF', '\u00c0\u0080\u00ff'],
      ['/set/p1/\u00ff\u00fe', '\u00ff\u00fe'],
      ['/set/p1/\u{1f600}', Buffer.from('\u{1f600}', 'utf8').toString('latin1')],
    ];
    for (const [url, stored] of cases) {
      const answer = await send(node, url, '', { token: TOKEN });
      expect(answer.json, url).toEqual({ result: 'OK' });
      expect(node.engine.execute(['GET', 'p1'], Date.now()).reply, url).toBe(stored);
    }
    for (const url of ['/get/%', '/%ff%fe', '/%00', '/get/a/b/c/d', '//', '/get//', '/?%', '/set?EX=%zz']) {
      const before = digest(node);
      const answer = await send(node, url, '', { token: TOKEN, method: 'GET' });
      expectWellFormed(answer, url, '');
      if (answer.status >= 400) expect(digest(node)).toBe(before);
    }
    await seed(node, TOKEN);
  });

  it('refuses bodies over the limit with 413 and takes the largest allowed one', async () => {
    const before = digest(node);
    const huge = 'x'.repeat(BYTES_MAX);
    const cases: [string, string][] = [
      ['/', JSON.stringify(['SET', 'k', huge])],
      ['/set/k', huge + 'y'],
      ['/pipeline', JSON.stringify(Array.from({ length: BYTES_MAX / 8 }, () => ['PING']))],
    ];
    for (const [url, body] of cases) {
      const answer = await send(node, url, body, { token: TOKEN });
      expect(answer.status, url).toBe(413);
      expect(answer.json).toEqual({ error: 'ERR max request size exceeded' });
    }
    expect(digest(node)).toBe(before);
    const fits = await send(node, '/set/k', 'x'.repeat(BYTES_MAX), { token: TOKEN });
    expect(fits.json).toEqual({ result: 'OK' });
    await seed(node, TOKEN);
  });

  it('answers a pipeline of as many commands as the size limit allows, one entry each', async () => {
    const count = 50_000;
    const answer = await send(node, '/pipeline', JSON.stringify(Array.from({ length: count }, () => ['PING'])), {
      token: TOKEN,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toHaveLength(count);
  });
});
