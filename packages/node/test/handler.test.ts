import { describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '@meridian/lag';
import { MeridianNode, NodeConfigError, type RestResponse } from '@meridian/node';
import { type AppendResult, type EffectCommand, MemoryWriteLog } from '@meridian/store';

const TOKEN = 'standard-token';
const READONLY = 'readonly-token';

interface Call {
  method?: string;
  url?: string;
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

async function call(node: MeridianNode, request: Call): Promise<RestResponse> {
  const body =
    request.body === undefined ? '' : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const token = request.token === undefined ? TOKEN : request.token;
  return node.handle({
    method: request.method ?? 'POST',
    url: request.url ?? '/',
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...request.headers },
    body: Buffer.from(body, 'utf8'),
  });
}

function json(response: RestResponse): unknown {
  return JSON.parse(response.body.toString());
}

function offsetOf(response: RestResponse): number {
  const token = response.headers['upstash-sync-token'];
  if (token === undefined) throw new Error('no sync token');
  return Number(token.split(':')[1]);
}

function newNode(options: ConstructorParameters<typeof MeridianNode>[0] = {}): MeridianNode {
  return new MeridianNode({ token: TOKEN, readonlyToken: READONLY, replicationId: 'hist1', ...options });
}

describe('single commands', () => {
  it('answers reads and writes with sync tokens from the log', async () => {
    const node = newNode({ region: 'eu-west-1' });
    const set = await call(node, { body: ['SET', 'k', 'v'] });
    expect(set.status).toBe(200);
    expect(json(set)).toEqual({ result: 'OK' });
    expect(set.headers['upstash-sync-token']).toBe('hist1:1');
    expect(set.headers['x-meridian-served-by']).toBe('eu-west-1');
    expect(set.headers['access-control-allow-origin']).toBe('*');
    const get = await call(node, { body: ['GET', 'k'] });
    expect(json(get)).toEqual({ result: 'v' });
    expect(offsetOf(get)).toBe(1);
    const noop = await call(node, { body: ['SET', 'k', 'w', 'NX'] });
    expect(json(noop)).toEqual({ result: null });
    expect(offsetOf(noop)).toBe(1);
    expect(offsetOf(await call(node, { body: ['DEL', 'k'] }))).toBe(2);
    expect(node.log.lastOffset()).toBe(2);
  });

  it('answers command errors with 400 and Redis text', async () => {
    const node = newNode();
    const response = await call(node, { body: ['GET'] });
    expect(response.status).toBe(400);
    expect(json(response)).toEqual({ error: "ERR wrong number of arguments for 'get' command" });
    expect(response.headers['upstash-sync-token']).toBe('hist1:0');
    expect(json(await call(node, { body: ['NOPE', 'x'] }))).toEqual({
      error: "ERR unknown command 'NOPE', with args beginning with: 'x' ",
    });
  });

  it('refuses writes to the read-only token and unsupported commands to everyone', async () => {
    const node = newNode();
    const refused = await call(node, { body: ['SET', 'k', 'v'], token: READONLY });
    expect(refused.status).toBe(400);
    expect(json(refused)).toEqual({ error: "NOPERM this user has no permissions to run the 'set' command" });
    expect(node.log.lastOffset()).toBe(0);
    expect(json(await call(node, { body: ['GET', 'k'], token: READONLY }))).toEqual({ result: null });
    expect((await call(node, { body: ['WATCH', 'k'] })).status).toBe(400);
  });

  it('answers in RESP2 when asked', async () => {
    const node = newNode();
    const set = await call(node, { body: ['SET', 'k', 'v'], headers: { 'upstash-response-format': 'resp2' } });
    expect(set.headers['content-type']).toBe('application/octet-stream');
    expect(set.body.toString()).toBe('+OK\r\n');
    const error = await call(node, { body: ['GET'], headers: { 'upstash-response-format': 'resp2' } });
    expect(error.status).toBe(400);
    expect(error.body.toString()).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    const pipeline = await call(node, {
      url: '/pipeline',
      body: [
        ['GET', 'k'],
        ['ECHO', 'x'],
      ],
      headers: { 'upstash-response-format': 'resp2' },
    });
    expect(pipeline.body.toString()).toBe('$1\r\nv\r\n$1\r\nx\r\n');
    const transaction = await call(node, {
      url: '/multi-exec',
      body: [['GET', 'k'], ['PING']],
      headers: { 'upstash-response-format': 'resp2' },
    });
    expect(transaction.body.toString()).toBe('*2\r\n$1\r\nv\r\n+PONG\r\n');
  });
});

describe('pipelines and transactions', () => {
  it("logs a pipeline's writes as one entry and merges per-entry refusals in order", async () => {
    const node = newNode();
    const response = await call(node, {
      url: '/pipeline',
      body: [
        ['SET', 'a', '1'],
        ['GET', 'a'],
        ['SET', 'b', '2'],
        ['WATCH', 'a'],
        ['GET', 'b'],
      ],
    });
    expect(response.status).toBe(200);
    expect(json(response)).toEqual([
      { result: 'OK' },
      { result: '1' },
      { result: 'OK' },
      { error: expect.stringMatching(/^ERR 'watch' is not supported/) as unknown },
      { result: '2' },
    ]);
    expect(node.log.lastOffset()).toBe(1);
    expect(offsetOf(response)).toBe(1);
    const entry = node.log.read(1, { entriesMax: 1, bytesMax: 1 << 20 });
    expect(entry.kind === 'entries' && entry.entries[0]?.effects).toEqual([
      ['SET', 'a', '1'],
      ['SET', 'b', '2'],
    ]);
    const readonly = await call(node, {
      url: '/pipeline',
      body: [
        ['DEL', 'a'],
        ['GET', 'a'],
        ['SET', 'c', '3'],
      ],
      token: READONLY,
    });
    expect(json(readonly)).toEqual([
      { error: "NOPERM this user has no permissions to run the 'del' command" },
      { result: '1' },
      { error: "NOPERM this user has no permissions to run the 'set' command" },
    ]);
    expect(node.log.lastOffset()).toBe(1);
  });

  it('logs a transaction as one entry with runtime errors per command', async () => {
    const node = newNode();
    const response = await call(node, {
      url: '/multi-exec',
      body: [
        ['SET', 'a', '1'],
        ['SET', 'b', '2', 'EX', 'nope'],
        ['DEL', 'a', 'b'],
        ['GET', 'a'],
      ],
    });
    expect(json(response)).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: 1 },
      { result: null },
    ]);
    expect(node.log.lastOffset()).toBe(1);
    const read = node.log.read(1, { entriesMax: 10, bytesMax: 1 << 20 });
    expect(read.kind === 'entries' && read.entries[0]?.effects).toEqual([
      ['SET', 'a', '1'],
      ['DEL', 'a'],
    ]);
  });

  it('discards a transaction as a whole with 400', async () => {
    const node = newNode();
    const aborted = await call(node, { url: '/multi-exec', body: [['SET', 'a', '1'], ['GET']] });
    expect(aborted.status).toBe(400);
    expect(json(aborted)).toEqual({ error: 'EXECABORT Transaction discarded because of previous errors.' });
    const refused = await call(node, {
      url: '/multi-exec',
      body: [
        ['GET', 'a'],
        ['SET', 'a', '1'],
      ],
      token: READONLY,
    });
    expect(refused.status).toBe(400);
    expect(json(refused)).toEqual({ error: "NOPERM this user has no permissions to run the 'set' command" });
    const blocking = await call(node, { url: '/multi-exec', body: [['MULTI']] });
    expect(blocking.status).toBe(400);
    expect(node.log.lastOffset()).toBe(0);
    expect(json(await call(node, { body: ['GET', 'a'] }))).toEqual({ result: null });
  });
});

class SlowLog extends MemoryWriteLog {
  release: (() => void)[] = [];
  fail = false;
  override append(timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    const { offset } = super.append(timeMs, effects);
    const durable = new Promise<void>((resolve, reject) =>
      this.release.push(this.fail ? () => reject(new Error('disk full')) : resolve),
    );
    return { offset, durable };
  }
}

describe('durability', () => {
  it('answers a write only once its log entry is durable', async () => {
    const log = new SlowLog();
    const node = newNode({ writeLog: log });
    let answered = false;
    const pending = Promise.resolve(call(node, { body: ['SET', 'k', 'v'] })).then((response) => {
      answered = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    expect(json(await call(node, { body: ['GET', 'k'] }))).toEqual({ result: 'v' });
    log.release.shift()?.();
    expect(json(await pending)).toEqual({ result: 'OK' });
  });

  it('answers MISCONF when the log cannot make a write durable, then refuses writes but serves reads', async () => {
    const log = new SlowLog();
    log.fail = true;
    const node = newNode({ writeLog: log });
    const pending = call(node, { body: ['SET', 'k', 'v'] });
    await new Promise((resolve) => setTimeout(resolve, 0));
    log.release.shift()?.();
    const response = await pending;
    expect(response.status).toBe(400);
    expect(json(response)).toEqual({
      error: expect.stringMatching(/^MISCONF Errors writing to the write log: disk full/),
    });
    const appended = log.lastOffset();
    const refused = await call(node, { body: ['SET', 'k2', 'v'] });
    expect(json(refused)).toEqual({ error: expect.stringMatching(/^MISCONF/) });
    expect(log.lastOffset()).toBe(appended);
    const pipeline = await call(node, {
      url: '/pipeline',
      body: [
        ['GET', 'nope'],
        ['DEL', 'k'],
      ],
    });
    expect(json(pipeline)).toEqual([{ result: null }, { error: expect.stringMatching(/^MISCONF/) }]);
    expect(json(await call(node, { url: '/multi-exec', body: [['INCR', 'n']] }))).toEqual({
      error: expect.stringMatching(/^MISCONF/),
    });
    expect(node.status()).toMatchObject({ writesRefused: expect.stringContaining('disk full') });
  });

  it('replays an existing log on start', async () => {
    const log = new MemoryWriteLog();
    const first = newNode({ writeLog: log });
    await call(first, {
      url: '/pipeline',
      body: [
        ['SET', 'a', '1'],
        ['SET', 'b', '2'],
        ['DEL', 'a'],
      ],
    });
    const second = newNode({ writeLog: log });
    expect(
      json(
        await call(second, {
          url: '/pipeline',
          body: [
            ['GET', 'a'],
            ['GET', 'b'],
          ],
        }),
      ),
    ).toEqual([{ result: null }, { result: '2' }]);
  });
});

class ManualClock implements Clock {
  timeMs = 1_000_000;
  timers: { atMs: number; callback: () => void }[] = [];
  nowMs(): number {
    return this.timeMs;
  }
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = { atMs: this.timeMs + delayMs, callback };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }
  advance(ms: number): void {
    this.timeMs += ms;
    const due = this.timers.filter((t) => t.atMs <= this.timeMs);
    this.timers = this.timers.filter((t) => t.atMs > this.timeMs);
    for (const timer of due) timer.callback();
  }
}

describe('active expiry', () => {
  it('deletes expired keys on a timer and logs the DELs', async () => {
    const clock = new ManualClock();
    const node = newNode({ clock, activeExpireIntervalMs: 100 });
    await node.start();
    try {
      await call(node, {
        url: '/pipeline',
        body: [
          ['SET', 'a', '1', 'PX', '50'],
          ['SET', 'b', '2', 'PX', '500'],
          ['SET', 'c', '3'],
        ],
      });
      expect(node.log.lastOffset()).toBe(1);
      clock.advance(100);
      expect(node.log.lastOffset()).toBe(2);
      const read = node.log.read(2, { entriesMax: 10, bytesMax: 1 << 20 });
      expect(read.kind === 'entries' && read.entries[0]).toMatchObject({ timeMs: 1_000_100, effects: [['DEL', 'a']] });
      expect(node.engine.db.data.has('a')).toBe(false);
      expect(node.engine.db.data.has('b')).toBe(true);
      clock.advance(100);
      expect(node.log.lastOffset()).toBe(2);
    } finally {
      await node.close();
    }
  });
});

describe('log retention', () => {
  it('drops entries beyond logEntriesRetainedMax on the housekeeping timer', async () => {
    const clock = new ManualClock();
    const node = newNode({ clock, activeExpireIntervalMs: 100, logEntriesRetainedMax: 2 });
    await node.start();
    try {
      for (let i = 0; i < 5; i++) await call(node, { body: ['SET', `k${i}`, 'v'] });
      expect(node.log.firstOffset()).toBe(1);
      clock.advance(100);
      expect([node.log.firstOffset(), node.log.lastOffset()]).toEqual([4, 5]);
      expect(json(await call(node, { body: ['GET', 'k0'] }))).toEqual({ result: 'v' });
    } finally {
      await node.close();
    }
  });
});

describe('configuration and admin endpoints', () => {
  it('refuses to start without a token unless insecure on loopback', () => {
    expect(() => new MeridianNode({})).toThrow(NodeConfigError);
    expect(() => new MeridianNode({})).toThrow(/MERIDIAN_TOKEN/);
    expect(() => new MeridianNode({ insecureNoAuth: true, host: '0.0.0.0' })).toThrow(/loopback/);
    const open = new MeridianNode({ insecureNoAuth: true, host: '127.0.0.1' });
    return Promise.resolve(call(open, { body: ['PING'], token: null })).then((response) => {
      expect(json(response)).toEqual({ result: 'PONG' });
    });
  });

  it('serves health without a token and status with the right token', async () => {
    const node = newNode({ adminToken: 'admin-token', region: 'us-east-1' });
    expect((await call(node, { method: 'GET', url: '/_meridian/health', token: null })).status).toBe(503);
    await node.start();
    try {
      const health = await call(node, { method: 'GET', url: '/_meridian/health', token: null });
      expect(health.status).toBe(200);
      expect(health.headers['upstash-sync-token']).toBeUndefined();
      expect((await call(node, { method: 'GET', url: '/_meridian/status' })).status).toBe(401);
      const status = await call(node, { method: 'GET', url: '/_meridian/status', token: 'admin-token' });
      expect(json(status)).toMatchObject({
        role: 'primary',
        region: 'us-east-1',
        ready: true,
        replicationId: 'hist1',
        appliedOffset: 0,
        primaryOffset: 0,
        stalenessMs: 0,
        lagOffsets: 0,
        replicas: [],
        durability: 'memory',
        log: { firstOffset: 1, lastOffset: 0, snapshotOffset: 0 },
      });
      expect(json(health)).toEqual({ ok: true, region: 'us-east-1', role: 'primary' });
      expect((await call(node, { url: '/_meridian/nope', token: 'admin-token' })).status).toBe(404);
    } finally {
      await node.close();
    }
    const plain = newNode();
    expect((await call(plain, { method: 'GET', url: '/_meridian/status' })).status).toBe(200);
    expect((await call(plain, { method: 'GET', url: '/_meridian/status', token: READONLY })).status).toBe(401);
  });

  it('answers preflight, 405 and stream paths', async () => {
    const node = newNode();
    const preflight = await call(node, { method: 'OPTIONS', url: '/pipeline', token: null });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toContain('Upstash-Sync-Token');
    const wrong = await call(node, { method: 'DELETE', url: '/get/k' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET, HEAD, POST, PUT, OPTIONS');
    expect((await call(node, { url: '/subscribe/ch', body: [] })).status).toBe(501);
  });
});

describe('admin endpoints on a very large keyspace', () => {
  it('answers /_meridian/digest for keys over 64 MiB and keeps serving', async () => {
    const node = newNode({ region: 'eu-west-1' });
    for (const key of ['fat', 'fat2']) {
      expect(json(await call(node, { body: ['SETRANGE', key, '70000000', 'z'] }))).toEqual({ result: 70_000_001 });
    }
    const digest = await call(node, { method: 'GET', url: '/_meridian/digest' });
    expect(digest.status).toBe(200);
    expect(json(digest)).toMatchObject({ offset: 2, digest: expect.stringMatching(/:2$/) as unknown });
    expect(json(await call(node, { body: ['STRLEN', 'fat'] }))).toEqual({ result: 70_000_001 });
  });
});
