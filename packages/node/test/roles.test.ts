import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HistoryFile, MeridianNode, type MeridianNodeOptions, NodeLinks, openRegionStore } from '@meridian/node';

const TOKEN = 'roles-token';
const ADMIN = 'roles-admin';
const SECRET = 'roles-secret';
const root = mkdtempSync(join(tmpdir(), 'meridian-roles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const started: MeridianNode[] = [];
afterEach(async () => {
  for (const node of started.splice(0).reverse()) await node.close();
});

function quiet(lines: string[] = []): (message: string) => void {
  return (message) => lines.push(message);
}

async function startPrimary(dir: string, extra: Partial<MeridianNodeOptions> = {}): Promise<MeridianNode> {
  const { log } = openRegionStore({ dataDir: dir, region: 'p', policy: 'always' });
  const node = new MeridianNode({
    token: TOKEN,
    adminToken: ADMIN,
    region: 'p',
    writeLog: log,
    replication: { secret: SECRET, heartbeatMs: 20 },
    links: new NodeLinks([
      { from: 'p', to: 'r1', delayMs: 0, jitter: undefined, jitterMode: 'per-message' },
      { from: 'p', to: 'r2', delayMs: 0, jitter: undefined, jitterMode: 'per-message' },
    ]),
    report: quiet(),
    ...extra,
  });
  started.push(node);
  await node.start();
  return node;
}

async function startReplica(
  dir: string,
  region: string,
  primary: MeridianNode,
  lines: string[] = [],
): Promise<MeridianNode> {
  const store = openRegionStore({ dataDir: dir, region, policy: 'always' });
  const node = new MeridianNode({
    token: TOKEN,
    adminToken: ADMIN,
    region,
    writeLog: store.log,
    history: new HistoryFile(store.dir),
    replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET, syncWaitMsMax: 300 },
    links: new NodeLinks([{ from: region, to: 'p', delayMs: 0, jitter: undefined, jitterMode: 'per-message' }]),
    report: quiet(lines),
  });
  started.push(node);
  await node.start();
  return node;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function send(url: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const request = (): Promise<Response> =>
    fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // A pooled keep-alive connection to a node that restarted fails once; the SDK retries likewise.
  const response = await request().catch(request);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function statusOf(node: MeridianNode): Record<string, unknown> {
  return node.status();
}

describe('a primary and its replicas', () => {
  it('replicates, forwards writes, serves reads with staleness and sync tokens', async () => {
    const dir = mkdtempSync(join(root, 'basic-'));
    const primary = await startPrimary(dir);
    const replica = await startReplica(dir, 'r1', primary);
    await until(() => statusOf(replica)['masterLinkUp'] === true);

    const write = await send(replica.url, '/', ['SET', 'k', 'v1']);
    expect(write.body).toEqual({ result: 'OK' });
    expect(write.headers.get('x-meridian-served-by')).toBe('p');
    expect(write.headers.get('upstash-sync-token')).toBe(`${primary.replicationId}:1`);

    const read = await send(replica.url, '/', ['GET', 'k'], { 'upstash-sync-token': `${primary.replicationId}:1` });
    expect(read.body).toEqual({ result: 'v1' });
    expect(read.headers.get('x-meridian-served-by')).toBe('r1');
    expect(Number(read.headers.get('x-meridian-staleness-ms'))).toBeGreaterThanOrEqual(0);
    expect(read.headers.get('upstash-sync-token')).toBe(`${primary.replicationId}:1`);

    const strong = await send(replica.url, '/', ['GET', 'k'], { 'x-meridian-consistency': 'strong' });
    expect(strong.headers.get('x-meridian-served-by')).toBe('p');
    expect(strong.headers.get('x-meridian-staleness-ms')).toBe('0');

    const pipeline = await send(replica.url, '/pipeline', [
      ['GET', 'k'],
      ['INCR', 'n'],
    ]);
    expect(pipeline.body).toEqual([{ result: 'v1' }, { result: 1 }]);
    expect(pipeline.headers.get('x-meridian-served-by')).toBe('p');

    await until(() => replica.log.lastOffset() === primary.log.lastOffset());
    const [a, b] = await Promise.all([
      send(primary.url, '/_meridian/digest', undefined, { authorization: `Bearer ${ADMIN}` }),
      send(replica.url, '/_meridian/digest', undefined, { authorization: `Bearer ${ADMIN}` }),
    ]);
    expect(a.body).toEqual(b.body);
    expect((await send(replica.url, '/_meridian/digest')).status).toBe(401);

    const health = await send(replica.url, '/_meridian/health', undefined, { authorization: '' });
    expect(health.body).toEqual({ ok: true, region: 'r1', role: 'replica' });
    const status = (await send(replica.url, '/_meridian/status', undefined, { authorization: `Bearer ${ADMIN}` })).body;
    expect(status).toMatchObject({
      region: 'r1',
      role: 'replica',
      ready: true,
      replicationId: primary.replicationId,
      appliedOffset: 2,
      masterLinkUp: true,
      durability: 'always',
      log: { lastOffset: 2 },
    });
    const primaryStatus = (
      await send(primary.url, '/_meridian/status', undefined, { authorization: `Bearer ${ADMIN}` })
    ).body as { replicas: { region: string; ackedOffset: number }[]; stalenessMs: number };
    expect(primaryStatus.stalenessMs).toBe(0);
    // A heartbeat can still be in the socket's buffer when the ack lands: wait for it to drain too.
    await until(() => {
      const replica = (primary.status()['replicas'] as { ackedOffset: number; backlogBytes: number }[])[0];
      return replica?.ackedOffset === 2 && replica.backlogBytes === 0;
    });
    expect(primary.status()['replicas']).toEqual([
      { region: 'r1', replicaId: 'r1', state: 'live', ackedOffset: 2, lagOffsets: 0, lagMs: 0, backlogBytes: 0 },
    ]);
  });

  it('reports replication and persistence in INFO', async () => {
    const dir = mkdtempSync(join(root, 'info-'));
    const primary = await startPrimary(dir);
    const replica = await startReplica(dir, 'r1', primary);
    await until(() => statusOf(replica)['masterLinkUp'] === true);
    await send(primary.url, '/', ['SET', 'a', '1']);
    await until(() => (primary.status()['replicas'] as { ackedOffset: number }[])[0]?.ackedOffset === 1);
    const master = (await send(primary.url, '/', ['INFO', 'replication'])).body as { result: string };
    expect(master.result).toMatch(
      /role:master\r\nconnected_slaves:1\r\nslave0:ip=\?,port=0,state=online,offset=1,lag=0\r\n/,
    );
    expect(master.result).toContain(`master_repl_offset:1\r\n`);
    expect(master.result).toContain(`meridian_replication_id:${primary.replicationId}\r\n`);
    const persistence = (await send(primary.url, '/', ['INFO', 'persistence'])).body as { result: string };
    expect(persistence.result).toContain('meridian_log_policy:always\r\n');
    expect(persistence.result).toContain('meridian_log_last_offset:1\r\n');
    const slave = (await send(replica.url, '/', ['INFO', 'replication'])).body as { result: string };
    const port = new URL(primary.url).port;
    expect(slave.result).toContain(
      `role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:${port}\r\nmaster_link_status:up\r\n`,
    );
    expect(slave.result).toMatch(/master_last_io_seconds_ago:0\r\n/);
    expect(slave.result).toContain('slave_repl_offset:1\r\n');
    expect(slave.result).toMatch(/meridian_staleness_ms:\d+\r\n/);
    expect(slave.result).toContain('meridian_primary_offset:1\r\n');
  });

  it('answers WAIT with the replicas that acknowledged, bounded by its timeout', async () => {
    const dir = mkdtempSync(join(root, 'wait-'));
    const primary = await startPrimary(dir);
    const r1 = await startReplica(dir, 'r1', primary);
    await startReplica(dir, 'r2', primary);
    await until(() => (primary.status()['replicas'] as unknown[]).length === 2);
    await send(primary.url, '/', ['SET', 'w', '1']);
    expect((await send(primary.url, '/', ['WAIT', '2', '2000'])).body).toEqual({ result: 2 });
    expect(
      (
        await send(primary.url, '/pipeline', [
          ['SET', 'w', '2'],
          ['WAIT', '2', '1000'],
        ])
      ).body,
    ).toEqual([{ result: 'OK' }, { result: 2 }]);
    expect((await send(primary.url, '/', ['WAIT', 'x', '0'])).body).toEqual({
      error: 'ERR value is not an integer or out of range',
    });
    expect((await send(primary.url, '/', ['WAIT', '1', '-1'])).body).toEqual({ error: 'ERR timeout is negative' });

    const lag = await send(
      primary.url,
      '/_meridian/lag',
      { action: 'partition', to: 'r2' },
      { authorization: `Bearer ${ADMIN}` },
    );
    expect(lag.status).toBe(200);
    await send(primary.url, '/', ['SET', 'w', '3']);
    const startedAt = Date.now();
    expect((await send(primary.url, '/', ['WAIT', '2', '300'])).body).toEqual({ result: 1 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    // Inside a transaction WAIT answers at once, as in Redis's MULTI.
    const inTransaction = await send(primary.url, '/multi-exec', [
      ['SET', 'w', '4'],
      ['WAIT', '5', '0'],
    ]);
    expect(inTransaction.body).toEqual([{ result: 'OK' }, { result: expect.any(Number) }]);
    // A replica forwards WAIT to the primary, where the replicas are.
    const forwarded = await send(r1.url, '/', ['WAIT', '1', '500']);
    expect(forwarded.body).toEqual({ result: 1 });
    expect(forwarded.headers.get('x-meridian-served-by')).toBe('p');
  });

  it('shows and changes its links through /_meridian/lag', async () => {
    const dir = mkdtempSync(join(root, 'lag-'));
    const primary = await startPrimary(dir);
    const admin = { authorization: `Bearer ${ADMIN}` };
    expect((await send(primary.url, '/_meridian/lag', undefined, { authorization: '' })).status).toBe(401);
    const shown = await send(primary.url, '/_meridian/lag', undefined, admin);
    expect(shown.body).toEqual({
      links: [
        {
          from: 'p',
          to: 'r1',
          delayMs: 0,
          jitter: { distribution: 'fixed', valueMs: 0 },
          jitterMode: 'per-message',
          partitioned: false,
          stalled: false,
        },
        {
          from: 'p',
          to: 'r2',
          delayMs: 0,
          jitter: { distribution: 'fixed', valueMs: 0 },
          jitterMode: 'per-message',
          partitioned: false,
          stalled: false,
        },
      ],
    });
    const set = await send(
      primary.url,
      '/_meridian/lag',
      { action: 'set', to: 'r2', delayMs: 150, jitter: { distribution: 'exponential', meanMs: 3 } },
      admin,
    );
    expect((set.body as { links: unknown[] }).links[1]).toMatchObject({
      to: 'r2',
      delayMs: 150,
      jitter: { distribution: 'exponential', meanMs: 3 },
    });
    expect((set.body as { links: { delayMs: number }[] }).links[0]?.delayMs).toBe(0);
    const partitioned = await send(primary.url, '/_meridian/lag', { action: 'partition' }, admin);
    expect((partitioned.body as { links: { partitioned: boolean }[] }).links.every((l) => l.partitioned)).toBe(true);
    await send(primary.url, '/_meridian/lag', { action: 'heal', to: 'r1' }, admin);
    const cleared = await send(primary.url, '/_meridian/lag', { action: 'clear' }, admin);
    expect(cleared.body).toMatchObject({
      links: [
        { delayMs: 0, partitioned: false },
        { delayMs: 0, partitioned: false },
      ],
    });

    const bad = [
      [{ action: 'nope' }, /^ERR action: /],
      [{ action: 'set', delayMs: -1 }, /^ERR delayMs: /],
      [{ action: 'set', jitter: { distribution: 'weird' } }, /^ERR jitter\.distribution: /],
      [{ action: 'set', jitterMode: 'sometimes' }, /^ERR jitterMode: /],
      [{ action: 'set' }, /^ERR delayMs: /],
      [{ action: 'heal', delayMs: 3 }, /^ERR delayMs: /],
      [{ action: 'heal', from: 7 }, /^ERR from: /],
      [[1], /^ERR body: /],
    ] as const;
    for (const [body, message] of bad) {
      const answer = await send(primary.url, '/_meridian/lag', body, admin);
      expect(answer.status).toBe(400);
      expect((answer.body as { error: string }).error).toMatch(message);
    }
    expect(
      (await send(primary.url, '/_meridian/lag', { action: 'clear' }, { authorization: 'Bearer wrong' })).status,
    ).toBe(401);
  });

  it('destroys WebSocket upgrades on any other path', async () => {
    const dir = mkdtempSync(join(root, 'upgrade-'));
    const primary = await startPrimary(dir);
    const { port } = new URL(primary.url);
    const outcome = await new Promise<string>((resolve) => {
      const request = http.request({
        host: '127.0.0.1',
        port,
        path: '/other',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      request.on('upgrade', () => resolve('upgraded'));
      request.on('response', (response) => resolve(`response ${response.statusCode}`));
      request.on('error', (error) => resolve(`error ${error.message}`));
      request.end();
    });
    expect(outcome).toMatch(/^error (socket hang up|read ECONNRESET)/);
  });

  it('resumes a restarted replica from its applied offset and a restarted primary keeps its history', async () => {
    const dir = mkdtempSync(join(root, 'restart-'));
    let primary = await startPrimary(dir);
    const firstLines: string[] = [];
    let replica = await startReplica(dir, 'r1', primary, firstLines);
    for (let i = 0; i < 30; i++) await send(primary.url, '/', ['SET', `k${i}`, String(i)]);
    await until(() => replica.log.lastOffset() === 30);
    await replica.close();
    for (let i = 30; i < 40; i++) await send(primary.url, '/', ['SET', `k${i}`, String(i)]);
    const lines: string[] = [];
    replica = await startReplica(dir, 'r1', primary, lines);
    // Its first sync is full, from before or after the first write depending on timing.
    expect(firstLines.some((line) => /^meridian: connected to the primary, full resync from [01]$/.test(line))).toBe(
      true,
    );
    // 29 or 30 entries replayed on top of the first sync's snapshot (taken at offset 1 or 0).
    expect(
      lines.some((line) =>
        /^meridian: replica recovered 30 keys at offset 30 \((29|30) entries replayed\)$/.test(line),
      ),
    ).toBe(true);
    expect(replica.engine.db.data.size).toBe(30);
    await until(() => replica.log.lastOffset() === 40);
    expect(lines).toContain('meridian: connected to the primary, partial resync from 30');

    const history = primary.replicationId;
    const port = Number(new URL(primary.url).port);
    await primary.close();
    primary = await startPrimary(dir, { port });
    expect(primary.replicationId).toBe(history);
    expect(primary.engine.db.data.size).toBe(40);
    await send(primary.url, '/', ['SET', 'after', 'restart']);
    await until(() => replica.log.lastOffset() === 41, 8000);
    expect(lines.filter((line) => line.includes('full resync'))).toEqual([]);
    const read = await send(replica.url, '/', ['GET', 'after']);
    expect(read.body).toEqual({ result: 'restart' });
  });
});

describe('snapshots', () => {
  it('snapshots the primary periodically, truncates the log behind it and recovers from it', async () => {
    const dir = mkdtempSync(join(root, 'snapshots-'));
    const open = (): ReturnType<typeof openRegionStore> =>
      openRegionStore({ dataDir: dir, region: 'p', policy: 'always', retention: { entriesMax: 5 } });
    const lines: string[] = [];
    const options = {
      token: TOKEN,
      region: 'p',
      report: quiet(lines),
      snapshots: { everyEntries: 10, checkIntervalMs: 20 },
    };
    let node = new MeridianNode({ ...options, writeLog: open().log });
    started.push(node);
    await node.start();
    const snapshotOffset = (): number => (node.status()['log'] as { snapshotOffset: number }).snapshotOffset;
    // In two steps: the first snapshot lands at exactly 10, so the next is due at 20 whatever the machine's speed.
    for (let i = 0; i < 10; i++) await send(node.url, '/', ['SET', `k${i}`, String(i)]);
    await until(() => snapshotOffset() === 10);
    for (let i = 10; i < 25; i++) await send(node.url, '/', ['SET', `k${i}`, String(i)]);
    await until(() => snapshotOffset() >= 20);
    const log = node.status()['log'] as { firstOffset: number; snapshotOffset: number };
    expect(log.firstOffset).toBeGreaterThan(1);
    expect(log.firstOffset).toBeLessThanOrEqual(log.snapshotOffset + 1);
    const info = (await send(node.url, '/', ['INFO', 'persistence'])).body as { result: string };
    expect(info.result).toMatch(/meridian_snapshot_offset:(2[0-5])\r\n/);
    await node.close();
    node = new MeridianNode({ ...options, writeLog: open().log });
    started.push(node);
    expect(lines.at(-1)).toMatch(/^meridian: recovered 25 keys at offset 25 \(snapshot at 2\d, \d entries replayed\)$/);
    expect(node.engine.db.data.size).toBe(25);
  });
});
