import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from '@upstash/redis';
import { MeridianNode } from '@meridian/node';

const TOKEN = 'sdk-standard-token';
const READONLY = 'sdk-readonly-token';

let node: MeridianNode;
let url: string;

beforeAll(async () => {
  node = new MeridianNode({ token: TOKEN, readonlyToken: READONLY, host: '127.0.0.1', port: 0, region: 'us-east-1' });
  url = await node.start();
});

afterAll(async () => {
  await node.close();
});

interface ClientSettings {
  enableAutoPipelining: boolean;
  base64: boolean;
}

function client(settings: ClientSettings, extra: { token?: string; automaticDeserialization?: boolean } = {}): Redis {
  return new Redis({
    url,
    token: extra.token ?? TOKEN,
    enableAutoPipelining: settings.enableAutoPipelining,
    automaticDeserialization: extra.automaticDeserialization ?? true,
    enableTelemetry: false,
    ...(settings.base64 ? {} : { responseEncoding: false as const }),
  });
}

const matrix: ClientSettings[] = [
  { enableAutoPipelining: false, base64: true },
  { enableAutoPipelining: false, base64: false },
  { enableAutoPipelining: true, base64: true },
  { enableAutoPipelining: true, base64: false },
];

describe.each(matrix)('@upstash/redis with %o', (settings) => {
  const prefix = `${settings.enableAutoPipelining ? 'auto' : 'plain'}-${settings.base64 ? 'b64' : 'utf8'}:`;

  it('runs SET, GET, DEL, PING and ECHO', async () => {
    const redis = client(settings);
    expect(await redis.set(`${prefix}k`, 'value')).toBe('OK');
    expect(await redis.get(`${prefix}k`)).toBe('value');
    expect(await redis.get(`${prefix}missing`)).toBeNull();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.echo('hello')).toBe('hello');
    expect(await redis.set(`${prefix}k2`, 'x', { nx: true })).toBe('OK');
    expect(await redis.set(`${prefix}k2`, 'y', { nx: true })).toBeNull();
    expect(await redis.set(`${prefix}k2`, 'z', { get: true })).toBe('x');
    expect(await redis.del(`${prefix}k`, `${prefix}k2`, `${prefix}missing`)).toBe(2);
  });

  it('round-trips non-ASCII text and JSON values', async () => {
    const redis = client(settings);
    const text = 'héllo € 😀 — "quoted" \\ \n tab\t';
    await redis.set(`${prefix}text`, text);
    expect(await redis.get(`${prefix}text`)).toBe(text);
    const object = { name: 'Zoë', tags: ['a', 'b'], n: 3, nested: { ok: true } };
    await redis.set(`${prefix}json`, object);
    expect(await redis.get(`${prefix}json`)).toEqual(object);
    const raw = client(settings, { automaticDeserialization: false });
    expect(await raw.get(`${prefix}json`)).toBe(JSON.stringify(object));
    expect(await raw.echo('OK')).toBe('OK');
  });

  it('runs concurrent commands (auto-pipelined when enabled) in order', async () => {
    const redis = client(settings);
    const keys = Array.from({ length: 50 }, (_, i) => `${prefix}many:${i}`);
    const sets = await Promise.all(keys.map((key, i) => redis.set(key, `v${i}`)));
    expect(sets.every((reply) => reply === 'OK')).toBe(true);
    const gets = await Promise.all(keys.map((key) => redis.get<string>(key)));
    expect(gets).toEqual(keys.map((_, i) => `v${i}`));
    expect(await redis.del(...keys)).toBe(50);
  });

  it('runs manual pipelines and transactions', async () => {
    const redis = client(settings);
    const pipeline = await redis
      .pipeline()
      .set(`${prefix}p`, 'one')
      .get(`${prefix}p`)
      .echo('two')
      .ping()
      .del(`${prefix}p`)
      .exec();
    expect(pipeline).toEqual(['OK', 'one', 'two', 'PONG', 1]);
    const transaction = await redis
      .multi()
      .set(`${prefix}t`, 'uno')
      .get(`${prefix}t`)
      .del(`${prefix}t`)
      .get(`${prefix}t`)
      .exec();
    expect(transaction).toEqual(['OK', 'uno', 1, null]);
  });

  it('surfaces Redis errors verbatim', async () => {
    const redis = client(settings);
    await expect(redis.set(`${prefix}bad`, 'v', { ex: -5 })).rejects.toThrow(
      "ERR invalid expire time in 'set' command",
    );
    await expect(redis.pipeline().set(`${prefix}bad`, 'v', { ex: 0 }).get(`${prefix}bad`).exec()).rejects.toThrow(
      "ERR invalid expire time in 'set' command",
    );
  });

  it('refuses writes to the read-only token, in pipelines per entry', async () => {
    const writer = client(settings);
    await writer.set(`${prefix}ro`, 'seen');
    const reader = client(settings, { token: READONLY });
    expect(await reader.get(`${prefix}ro`)).toBe('seen');
    expect(await reader.ping()).toBe('PONG');
    await expect(reader.set(`${prefix}ro`, 'changed')).rejects.toThrow(
      "NOPERM this user has no permissions to run the 'set' command",
    );
    const results = await reader.pipeline().get(`${prefix}ro`).del(`${prefix}ro`).exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: 'seen', error: undefined });
    expect(results[1]?.error).toBe("NOPERM this user has no permissions to run the 'del' command");
    expect(await writer.get(`${prefix}ro`)).toBe('seen');
  });

  it('rejects a wrong token', async () => {
    const intruder = client(settings, { token: 'not-the-token' });
    await expect(intruder.get(`${prefix}k`)).rejects.toThrow('WRONGPASS invalid or missing auth token');
  });

  it('keeps a sync token that grows with every write', async () => {
    const redis = client(settings);
    const offsets: number[] = [];
    for (let i = 0; i < 5; i++) {
      await redis.set(`${prefix}sync`, String(i));
      offsets.push(Number(redis.readYourWritesSyncToken?.split(':')[1]));
    }
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThan(offsets[i - 1] as number);
    await redis.get(`${prefix}sync`);
    expect(Number(redis.readYourWritesSyncToken?.split(':')[1])).toBeGreaterThanOrEqual(offsets[4] as number);
    redis.readYourWritesSyncToken = 'my-new-sync-token';
    expect(await redis.get(`${prefix}sync`)).toBe(4);
  });
});
