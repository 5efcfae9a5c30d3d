/**
 * Security: the read-only token is refused every write in the command table and the dangerous reads,
 * wrong tokens of every shape get 401, admin endpoints need the admin token, the node binds to
 * loopback by default and refuses to run without auth anywhere else.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode, NodeConfigError } from '@meridian/node';
import { commands, minimalInvocation } from './support/invocations.js';
import { digest, seed, send } from './support/rest.js';

const TOKEN = 'security-standard-token-3f9a';
const READONLY = 'security-readonly-token-77c1';
const ADMIN = 'security-admin-token-b20e';
const REST_REFUSAL = /^ERR (blocking command '[a-z_]+' is not supported over REST|'[a-z_]+' is not supported)/;
const WRONGPASS = { error: 'WRONGPASS invalid or missing auth token' };

function noperm(name: string): string {
  return `NOPERM this user has no permissions to run the '${name}' command`;
}

describe('tokens and permissions', () => {
  const node = new MeridianNode({ token: TOKEN, readonlyToken: READONLY, adminToken: ADMIN, region: 'fault' });
  beforeAll(() => seed(node, TOKEN));
  afterAll(() => node.close());

  it('refuses every write command in the table to the read-only token, changing nothing', async () => {
    const writes = commands.filter((info) => info.isWrite);
    expect(writes.length).toBeGreaterThan(80);
    const before = digest(node);
    const offsetBefore = node.log.lastOffset();
    const pipeline: string[][] = [];
    for (const info of writes) {
      const argv = minimalInvocation(info, 'k:string');
      pipeline.push(argv);
      const answer = await send(node, '/', argv, { token: READONLY });
      expect(answer.status, argv.join(' ')).toBe(400);
      const error = (answer.json as { error: string }).error;
      if (!REST_REFUSAL.test(error)) expect(error, argv.join(' ')).toBe(noperm(info.name));
      const upper = await send(node, '/', [argv[0]!.toUpperCase(), ...argv.slice(1)], { token: READONLY });
      expect(upper.json).toEqual(answer.json);
    }
    const entries = (await send(node, '/pipeline', pipeline, { token: READONLY })).json as { error: string }[];
    expect(entries).toHaveLength(writes.length);
    entries.forEach((entry, i) => {
      if (!REST_REFUSAL.test(entry.error)) expect(entry).toEqual({ error: noperm(writes[i]!.name) });
    });
    const transaction = await send(
      node,
      '/multi-exec',
      [
        ['GET', 'k:string'],
        ['SET', 'k', 'v'],
      ],
      { token: READONLY },
    );
    expect(transaction.json).toEqual({ error: noperm('set') });
    expect(digest(node)).toBe(before);
    expect(node.log.lastOffset()).toBe(offsetBefore);
  });

  it('refuses dangerous reads and scripting to the read-only token, and allows plain reads', async () => {
    const refused: string[][] = [
      ['KEYS', '*'],
      ['SCAN', '0'],
      ['RANDOMKEY'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['FLUSHALL'],
      ['FLUSHDB'],
      ['EVAL', 'return 1', '0'],
      ['EVALSHA', 'a'.repeat(40), '0'],
      ['EVAL_RO', 'return 1', '0'],
      ['SCRIPT', 'LOAD', 'return 1'],
    ];
    for (const argv of refused) {
      const answer = await send(node, '/', argv, { token: READONLY });
      expect(answer.status, argv[0]).toBe(400);
      expect(answer.json).toEqual({ error: noperm(argv[0]!.toLowerCase()) });
    }
    for (const argv of [['GET', 'k:string'], ['HGETALL', 'k:hash'], ['ZRANGE', 'k:zset', '0', '-1'], ['PING']]) {
      expect((await send(node, '/', argv, { token: READONLY })).status, argv[0]).toBe(200);
    }
  });

  it('answers 401 to every wrong, partial or empty token', async () => {
    const wrong = [
      '',
      ' ',
      TOKEN.slice(0, -1),
      TOKEN.slice(1),
      `${TOKEN}x`,
      TOKEN.toUpperCase(),
      `${TOKEN}\u0000`,
      TOKEN.repeat(2),
      'x'.repeat(10_000),
      READONLY.slice(0, 5),
      ADMIN.slice(0, -2),
      '\u00ff\u00fe',
    ];
    const before = digest(node);
    for (const token of wrong) {
      const bearer = await send(node, '/', ['SET', 'k', 'v'], { headers: { authorization: `Bearer ${token}` } });
      expect(bearer.status, JSON.stringify(token)).toBe(401);
      expect(bearer.json).toEqual(WRONGPASS);
      const query = await send(node, `/set/k/v?_token=${encodeURIComponent(token)}`, '');
      expect(query.status, JSON.stringify(token)).toBe(401);
    }
    for (const authorization of ['', 'Bearer', `Basic ${TOKEN}`, `${TOKEN}`, `Bearer ${TOKEN} extra`]) {
      const answer = await send(node, '/', ['PING'], { headers: { authorization } });
      expect(answer.status, authorization).toBe(401);
    }
    expect((await send(node, '/', ['PING'])).status).toBe(401);
    expect(digest(node)).toBe(before);
    expect((await send(node, '/', ['PING'], { token: TOKEN })).json).toEqual({ result: 'PONG' });
    expect((await send(node, `/ping?_token=${TOKEN}`, '')).json).toEqual({ result: 'PONG' });
  });

  it('guards admin endpoints with the admin token only', async () => {
    const endpoints: [string, string][] = [
      ['GET', '/_meridian/status'],
      ['GET', '/_meridian/digest'],
      ['GET', '/_meridian/lag'],
      ['POST', '/_meridian/lag'],
    ];
    for (const [method, url] of endpoints) {
      for (const token of [undefined, TOKEN, READONLY, `${ADMIN}x`, '']) {
        const answer = await send(node, url, '{"action":"set","delayMs":1}', { method, token });
        expect(answer.status, `${method} ${url} ${String(token)}`).toBe(401);
        expect(answer.json).toEqual(WRONGPASS);
      }
      const allowed = await send(node, url, '{"action":"set","delayMs":1}', { method, token: ADMIN });
      expect(allowed.status, `${method} ${url}`).toBe(200);
    }
    expect((await send(node, '/_meridian/health', '', { method: 'GET' })).status).toBeOneOf([200, 503]);
    const status = await send(node, '/_meridian/status', '', { method: 'GET', token: ADMIN });
    expect(status.text).not.toContain(TOKEN);
    expect(status.text).not.toContain(ADMIN);
  });
});

describe('binding', () => {
  it('binds to 127.0.0.1 by default', async () => {
    const node = new MeridianNode({ token: TOKEN });
    try {
      const url = await node.start();
      expect(new URL(url).hostname).toBe('127.0.0.1');
      // The plain-HTTP listener is the front door (rest's front.ts) in front of node:http.
      const listener = (node as unknown as { front: { address(): AddressInfo } }).front;
      expect(listener.address().address).toBe('127.0.0.1');
    } finally {
      await node.close();
    }
  });

  it('refuses --insecure-no-auth off loopback and without a token', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '127.0.0.1.example.com']) {
      expect(() => new MeridianNode({ insecureNoAuth: true, host }), host).toThrow(NodeConfigError);
      try {
        new MeridianNode({ insecureNoAuth: true, host });
      } catch (error) {
        expect((error as NodeConfigError).code).toBe('MERIDIAN_INSECURE_NOT_LOOPBACK');
      }
    }
    expect(() => new MeridianNode({ host: '127.0.0.1' })).toThrow(/refusing to start without a token/);
    expect(() => new MeridianNode({ token: '', host: '127.0.0.1' })).toThrow(NodeConfigError);
    expect(new MeridianNode({ insecureNoAuth: true, host: '127.0.0.1' }).role).toBe('primary');
  });
});
