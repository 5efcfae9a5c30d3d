import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import {
  type Connection,
  decodeFrame,
  encodeFrame,
  type Frame,
  PROTOCOL_VERSION,
  ReplicationError,
  WsConnector,
  WsListener,
} from '@meridian/replication';
import {
  closeHttp,
  listenHttp,
  portOf,
  type PrimaryHarness,
  SECRET,
  startPrimary,
  startReplica,
  waitUntil,
} from './harness.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof ReplicationError ? error.code : `not a ReplicationError: ${String(error)}`;
  }
  return undefined;
}

describe('frames', () => {
  it('round-trip every frame type, byte strings intact', () => {
    const frames: Frame[] = [
      {
        t: 'hello',
        version: 1,
        replicaId: 'r',
        region: 'eu',
        lastAppliedOffset: 7,
        lastEntryCrc: 0x1234abcd,
        replicationId: 'h',
        secret: 's',
      },
      {
        t: 'welcome',
        mode: 'full',
        replicationId: 'h',
        offset: 3,
        primaryOffset: 9,
        primaryTimeMs: 1.5e12 + 0.25,
        heartbeatMs: 100,
      },
      { t: 'snapshot-begin', offset: 3, timeMs: 1, keyCount: 1 },
      { t: 'snapshot-chunk', entries: [['k\u00ff\u0000', 'list', ['a', 'b'], -1]] },
      { t: 'snapshot-end', offset: 3, keyCount: 1 },
      { t: 'entries', entries: [{ offset: 2 ** 40, timeMs: 5, effects: [['SET', '\u0080\u00fe', 'v']] }] },
      { t: 'heartbeat', primaryOffset: 1, primaryTimeMs: 2 },
      { t: 'ack', appliedOffset: 4 },
      { t: 'error', code: 'BAD_SECRET', message: 'no' },
    ];
    for (const frame of frames) expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it('random bytes are CORRUPT_FRAME, never a frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(codeOf(() => decodeFrame(bytes))).toBe('CORRUPT_FRAME');
      }),
    );
  });

  it('any single flipped bit is caught', () => {
    const frame = encodeFrame({ t: 'entries', entries: [{ offset: 1, timeMs: 5, effects: [['SET', 'k', 'v']] }] });
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const copy = frame.slice();
      copy[bit >> 3]! ^= 1 << (bit & 7);
      expect(codeOf(() => decodeFrame(copy))).toBe('CORRUPT_FRAME');
    }
  });

  it('well-formed msgpack with a bad shape is CORRUPT_FRAME', () => {
    const bad = encodeFrame({ t: 'entries', entries: [{ offset: -1, timeMs: 5, effects: [] }] });
    expect(codeOf(() => decodeFrame(bad))).toBe('CORRUPT_FRAME');
    const unknown = encodeFrame({ t: 'error', code: 'NOPE', message: '' } as unknown as Frame);
    expect(codeOf(() => decodeFrame(unknown))).toBe('CORRUPT_FRAME');
  });
});

describe('handshake and corrupt-frame errors over WebSockets', () => {
  let primary: PrimaryHarness | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await primary?.stop();
    primary = undefined;
  });

  async function rawClient(url: string): Promise<{ connection: Connection; frames: Frame[]; closes: string[] }> {
    const connection = await new WsConnector({ url }).connect();
    const frames: Frame[] = [];
    const closes: string[] = [];
    connection.setHandlers({
      message: (bytes) => frames.push(decodeFrame(bytes)),
      close: (code, reason) => closes.push(`${code} ${reason}`),
      drain: () => undefined,
    });
    cleanups.push(() => connection.close(1000, 'done'));
    return { connection, frames, closes };
  }

  const hello = (overrides: Partial<Frame & { t: 'hello' }>): Frame => ({
    t: 'hello',
    version: PROTOCOL_VERSION,
    replicaId: 'raw',
    region: 'test',
    lastAppliedOffset: 0,
    lastEntryCrc: -1,
    replicationId: '',
    secret: SECRET,
    ...overrides,
  });

  it.each([
    ['VERSION_MISMATCH', hello({ version: PROTOCOL_VERSION + 1 })],
    ['BAD_SECRET', hello({ secret: 'wrong' })],
    ['PROTOCOL_VIOLATION', { t: 'ack', appliedOffset: 1 } as Frame],
  ])('the primary answers %s and closes', async (code, frame) => {
    primary = await startPrimary();
    const client = await rawClient(primary.url);
    client.connection.send(encodeFrame(frame));
    await waitUntil(() => client.closes.length === 1);
    expect(client.frames).toEqual([expect.objectContaining({ t: 'error', code })]);
    expect(client.closes).toEqual([`4000 ${code}`]);
  });

  it('random bytes to the primary: CORRUPT_FRAME', async () => {
    primary = await startPrimary();
    const client = await rawClient(primary.url);
    client.connection.send(Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
    await waitUntil(() => client.closes.length === 1);
    expect(client.frames[0]).toMatchObject({ t: 'error', code: 'CORRUPT_FRAME' });
  });

  it('a replica with the wrong secret stops retrying and applies nothing', async () => {
    primary = await startPrimary();
    primary.write('SET', 'a', '1');
    const r = startReplica(primary, { secret: 'wrong' });
    cleanups.push(() => r.replica.stop());
    await waitUntil(() => r.replica.state === 'failed');
    expect(r.replica.lastError).toBe('BAD_SECRET');
    expect(r.replica.appliedOffset).toBe(0);
    expect(primary.primary.status()).toEqual([]);
  });

  it('a replica fed a corrupt frame applies nothing from it, reports CORRUPT_FRAME and resyncs', async () => {
    const server = await listenHttp();
    const listener = new WsListener({ server });
    cleanups.push(() => closeHttp(server));
    cleanups.push(() => listener.close());
    let connections = 0;
    const reported: Frame[] = [];
    listener.onConnection((connection) => {
      connections++;
      connection.setHandlers({
        message: (bytes) => reported.push(decodeFrame(bytes)),
        close: () => undefined,
        drain: () => undefined,
      });
      connection.send(
        encodeFrame({
          t: 'welcome',
          mode: 'full',
          replicationId: 'h',
          offset: 1,
          primaryOffset: 1,
          primaryTimeMs: 0,
          heartbeatMs: 100,
        }),
      );
      connection.send(encodeFrame({ t: 'snapshot-begin', offset: 1, timeMs: 0, keyCount: 1 }));
      const chunk = encodeFrame({ t: 'snapshot-chunk', entries: [['k', 'string', 'v', -1]] });
      chunk[chunk.length - 6]! ^= 0x20;
      connection.send(chunk);
      connection.send(encodeFrame({ t: 'snapshot-end', offset: 1, keyCount: 1 }));
    });
    const target = { url: `ws://127.0.0.1:${portOf(server)}/_meridian/replication` };
    const r = startReplica(target);
    cleanups.push(() => r.replica.stop());
    await waitUntil(() => connections >= 2, 5000, 'a reconnect');
    expect(reported).toContainEqual(expect.objectContaining({ t: 'error', code: 'CORRUPT_FRAME' }));
    expect(r.events).toContainEqual(expect.objectContaining({ kind: 'error', code: 'CORRUPT_FRAME' }));
    expect(r.replica.appliedOffset).toBe(0);
    expect(r.engine.db.data.size).toBe(0);
    expect(r.events.some((event) => event.kind === 'snapshot-loaded')).toBe(false);
  });

  it('a replica refuses an entries frame with a gap (PROTOCOL_VIOLATION), applying nothing of it', async () => {
    const server = await listenHttp();
    const listener = new WsListener({ server });
    cleanups.push(() => closeHttp(server));
    cleanups.push(() => listener.close());
    listener.onConnection((connection) => {
      connection.setHandlers({ message: () => undefined, close: () => undefined, drain: () => undefined });
      connection.send(
        encodeFrame({
          t: 'welcome',
          mode: 'partial',
          replicationId: '',
          offset: 0,
          primaryOffset: 3,
          primaryTimeMs: 0,
          heartbeatMs: 100,
        }),
      );
      connection.send(
        encodeFrame({
          t: 'entries',
          entries: [1, 3].map((offset) => ({ offset, timeMs: 0, effects: [['SET', `k${offset}`, 'v']] })),
        }),
      );
    });
    const r = startReplica({ url: `ws://127.0.0.1:${portOf(server)}/_meridian/replication` });
    cleanups.push(() => r.replica.stop());
    await waitUntil(() => r.events.some((event) => event.kind === 'error' && event.code === 'PROTOCOL_VIOLATION'));
    expect(r.replica.appliedOffset).toBe(0);
    expect(r.engine.execute(['GET', 'k1'], Date.now()).reply).toBeNull();
    expect(new Engine({ role: 'replica' }).db.data.size).toBe(0);
  });
});
