import { describe, expect, it } from 'vitest';
import { type ParsedRestRequest, type RestRequest, RestAuth, parseRestRequest } from '@meridian/rest';

const auth = new RestAuth({ token: 'std-token', readonlyToken: 'ro-token' });

function request(parts: Omit<Partial<RestRequest>, 'body'> & { body?: Buffer | string }): RestRequest {
  const body =
    parts.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(parts.body)
        ? parts.body
        : Buffer.from(parts.body, 'utf8');
  return {
    method: parts.method ?? 'POST',
    url: parts.url ?? '/',
    headers: { authorization: 'Bearer std-token', ...parts.headers },
    body,
  };
}

function parse(
  parts: Omit<Partial<RestRequest>, 'body'> & { body?: Buffer | string },
  requestBytesMax?: number,
): ParsedRestRequest {
  return parseRestRequest(request(parts), requestBytesMax === undefined ? { auth } : { auth, requestBytesMax });
}

function argvOf(parsed: ParsedRestRequest): string[] {
  if (parsed.kind !== 'command') throw new Error(`expected a command, got ${JSON.stringify(parsed)}`);
  return parsed.argv;
}

function failureOf(parsed: ParsedRestRequest): { status: number; error: string } {
  if (parsed.kind !== 'failure') throw new Error(`expected a failure, got ${JSON.stringify(parsed)}`);
  return { status: parsed.status, error: parsed.error };
}

describe('command in a JSON body', () => {
  it('takes strings as their UTF-8 bytes, numbers as String(n), booleans as text', () => {
    const argv = argvOf(
      parse({ body: JSON.stringify(['SET', 'k€y', 'caf\u00e9', 'EX', 100, true, false, 1.5, 1e21, -0]) }),
    );
    expect(argv).toEqual(['SET', 'k\xe2\x82\xacy', 'caf\xc3\xa9', 'EX', '100', 'true', 'false', '1.5', '1e+21', '0']);
  });

  it('keeps ASCII strings as they are, including escapes', () => {
    expect(argvOf(parse({ body: '["ECHO","a\\"b\\\\c\\n\\u0000"]' }))).toEqual(['ECHO', 'a"b\\c\n\x00']);
  });

  it('turns lone surrogates into U+FFFD bytes', () => {
    expect(argvOf(parse({ body: '["ECHO","\\ud800"]' }))).toEqual(['ECHO', '\xef\xbf\xbd']);
  });

  it('rejects objects, nested arrays and null with the argument index', () => {
    for (const [body, got] of [
      ['["SET","k",{"a":1}]', 'an object'],
      ['["SET","k",["v"]]', 'an array'],
      ['["SET",null,"v"]', 'null'],
    ] as const) {
      const failure = failureOf(parse({ body }));
      expect(failure.status).toBe(400);
      expect(failure.error).toMatch(
        /^ERR invalid argument at index \d: arguments must be strings, numbers or booleans/,
      );
      expect(failure.error).toContain(got);
    }
  });

  it('rejects bad JSON, non-arrays, empty commands and empty bodies', () => {
    expect(failureOf(parse({ body: '["SET","k"' }))).toEqual({
      status: 400,
      error: 'ERR request body is not valid JSON',
    });
    expect(failureOf(parse({ body: '{"cmd":"GET"}' })).error).toMatch(/^ERR a command must be a JSON array/);
    expect(failureOf(parse({ body: '"GET"' })).error).toMatch(/^ERR a command must be a JSON array/);
    expect(failureOf(parse({ body: '[]' }))).toEqual({ status: 400, error: 'ERR empty command' });
    expect(failureOf(parse({ body: '' })).status).toBe(400);
  });

  it('reads the response format and the sync token', () => {
    const parsed = parse({
      body: '["GET","k"]',
      headers: { 'upstash-encoding': 'base64', 'upstash-sync-token': 'abc:12' },
    });
    expect(parsed).toMatchObject({ kind: 'command', format: 'base64', access: 'standard' });
    expect(parsed.kind === 'command' && parsed.syncToken).toEqual({ replicationId: 'abc', offset: 12 });
    expect(parse({ body: '["GET","k"]', headers: { 'upstash-response-format': 'resp2' } })).toMatchObject({
      format: 'resp2',
    });
    expect(parse({ body: '["GET","k"]' })).toMatchObject({ format: 'json', syncToken: undefined });
  });

  it('ignores unparseable sync tokens', () => {
    for (const token of ['my-new-sync-token', '', 'x:y', ':5', 'a:-1', 'a:1.5', 'a b:1']) {
      const parsed = parse({ body: '["GET","k"]', headers: { 'upstash-sync-token': token } });
      expect(parsed).toMatchObject({ kind: 'command', syncToken: undefined });
    }
  });

  it('refuses base64 together with resp2', () => {
    const parsed = parse({
      body: '["GET","k"]',
      headers: { 'upstash-encoding': 'base64', 'upstash-response-format': 'resp2' },
    });
    expect(failureOf(parsed).status).toBe(400);
    expect(failureOf(parsed).error).toContain('cannot be combined');
  });
});

describe('path form', () => {
  it('splits and percent-decodes segments to bytes, accepting raw : and *', () => {
    expect(argvOf(parse({ url: '/set/user:1/a%20b%2Fc%E2%82%AC' }))).toEqual(['set', 'user:1', 'a b/c\xe2\x82\xac']);
    expect(argvOf(parse({ url: '/keys/user:*' }))).toEqual(['keys', 'user:*']);
    expect(argvOf(parse({ url: '/echo/%zz%4' }))).toEqual(['echo', '%zz%4']);
    expect(argvOf(parse({ url: '/echo/a+b' }))).toEqual(['echo', 'a+b']);
  });

  it('appends the raw body as bytes, then query pairs, dropping _token', () => {
    const body = Buffer.from([0x00, 0xff, 0x80, 0x61]);
    const argv = argvOf(
      parse({ url: '/set/k?EX=100&_token=std-token&NX', body, headers: { authorization: undefined } }),
    );
    expect(argv).toEqual(['set', 'k', '\x00\xff\x80a', 'EX', '100', 'NX']);
  });

  it('percent-decodes query keys and values; k= gives an empty argument', () => {
    expect(argvOf(parse({ url: '/set/k/v?PX=%31%30&GET=' }))).toEqual(['set', 'k', 'v', 'PX', '10', 'GET', '']);
  });

  it('keeps empty middle segments and drops one trailing slash', () => {
    expect(argvOf(parse({ url: '/set/k//' }))).toEqual(['set', 'k', '']);
    expect(argvOf(parse({ url: '/get/k/' }))).toEqual(['get', 'k']);
  });

  it('works with GET, HEAD and PUT, refuses other methods with 405', () => {
    for (const method of ['GET', 'HEAD', 'PUT']) expect(argvOf(parse({ method, url: '/get/k' }))).toEqual(['get', 'k']);
    for (const method of ['DELETE', 'PATCH', 'TRACE'])
      expect(failureOf(parse({ method, url: '/get/k' })).status).toBe(405);
    expect(parse({ method: 'OPTIONS', url: '/get/k', headers: { authorization: undefined } })).toEqual({
      kind: 'preflight',
    });
  });
});

describe('pipelines and transactions', () => {
  it('parses /pipeline and /multi-exec bodies', () => {
    const body = JSON.stringify([
      ['SET', 'a', 1],
      ['INCR', 'a'],
    ]);
    expect(parse({ url: '/pipeline', body })).toMatchObject({
      kind: 'pipeline',
      commands: [
        ['SET', 'a', '1'],
        ['INCR', 'a'],
      ],
    });
    expect(parse({ url: '/multi-exec', body })).toMatchObject({
      kind: 'transaction',
      commands: [
        ['SET', 'a', '1'],
        ['INCR', 'a'],
      ],
    });
  });

  it('refuses empty pipelines, bad shapes and bad arguments as a whole', () => {
    expect(failureOf(parse({ url: '/pipeline', body: '[]' }))).toEqual({ status: 400, error: 'ERR empty pipeline' });
    expect(failureOf(parse({ url: '/multi-exec', body: '[]' }))).toEqual({
      status: 400,
      error: 'ERR empty transaction',
    });
    expect(failureOf(parse({ url: '/pipeline', body: '["GET","a"]' })).error).toMatch(/pipeline command 0/);
    expect(failureOf(parse({ url: '/pipeline', body: '{"a":1}' })).error).toMatch(
      /^ERR pipeline body must be a JSON array/,
    );
    expect(failureOf(parse({ url: '/pipeline', body: '[["GET"],[]]' })).error).toBe(
      'ERR empty command (pipeline command 1)',
    );
    expect(failureOf(parse({ url: '/multi-exec', body: '[["SET","a",null]]' })).error).toMatch(
      /index 2 \(transaction command 0\)/,
    );
    expect(failureOf(parse({ url: '/pipeline', body: '[[' })).error).toBe('ERR request body is not valid JSON');
  });
});

describe('auth, limits and special paths', () => {
  it('authenticates with Bearer or _token, telling the read-only token apart', () => {
    expect(parse({ body: '["GET","k"]', headers: { authorization: 'Bearer ro-token' } })).toMatchObject({
      access: 'readonly',
    });
    expect(parse({ url: '/get/k?_token=ro-token', headers: { authorization: undefined } })).toMatchObject({
      access: 'readonly',
    });
    expect(parse({ url: '/get/k', headers: { authorization: 'bearer std-token' } })).toMatchObject({
      access: 'standard',
    });
  });

  it('answers 401 WRONGPASS for a missing or wrong token', () => {
    const expected = { status: 401, error: 'WRONGPASS invalid or missing auth token' };
    expect(failureOf(parse({ url: '/get/k', headers: { authorization: undefined } }))).toEqual(expected);
    expect(failureOf(parse({ url: '/get/k', headers: { authorization: 'Bearer nope' } }))).toEqual(expected);
    expect(failureOf(parse({ url: '/get/k?_token=nope', headers: { authorization: undefined } }))).toEqual(expected);
    expect(failureOf(parse({ url: '/get/k', headers: { authorization: 'Basic std-token' } }))).toEqual(expected);
  });

  it('needs no token when auth is off', () => {
    const parsed = parseRestRequest(
      { method: 'POST', url: '/get/k', headers: {}, body: Buffer.alloc(0) },
      { auth: undefined },
    );
    expect(parsed).toMatchObject({ kind: 'command', access: 'standard' });
  });

  it('answers 413 over the body limit', () => {
    expect(failureOf(parse({ url: '/set/k', body: 'x'.repeat(11) }, 10))).toEqual({
      status: 413,
      error: 'ERR max request size exceeded',
    });
    expect(argvOf(parse({ url: '/set/k', body: 'x'.repeat(10) }, 10))).toEqual(['set', 'k', 'x'.repeat(10)]);
  });

  it('routes /_meridian/ to admin endpoints without authenticating', () => {
    expect(parse({ url: '/_meridian/health', headers: { authorization: undefined } })).toEqual({
      kind: 'admin',
      name: 'health',
      credential: undefined,
    });
    expect(parse({ url: '/_meridian/status?_token=x', headers: { authorization: undefined } })).toMatchObject({
      credential: 'x',
    });
  });

  it('routes subscribe, psubscribe and monitor to event streams', () => {
    expect(parse({ url: '/subscribe/news/sp%20orts', body: '[]' })).toMatchObject({
      kind: 'stream',
      stream: 'subscribe',
      channels: ['news', 'sp orts'],
    });
    expect(parse({ url: '/psubscribe/n*' })).toMatchObject({ kind: 'stream', stream: 'psubscribe', channels: ['n*'] });
    expect(parse({ url: '/monitor' })).toMatchObject({ kind: 'stream', stream: 'monitor', channels: [] });
  });
});

describe('default body limit', () => {
  it('is 10 MB', () => {
    const limit = 10 * 1024 * 1024;
    const over = parseRestRequest(request({ url: '/set/k', body: Buffer.alloc(limit + 1) }), { auth });
    expect(failureOf(over).status).toBe(413);
    expect(parseRestRequest(request({ url: '/set/k', body: Buffer.alloc(limit) }), { auth })).toMatchObject({
      kind: 'command',
    });
  });
});
