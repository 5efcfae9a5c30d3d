/**
 * Random bytes and malformed frames on a primary node's replication endpoint: the primary closes the
 * offending connection, keeps serving REST, and a well-behaved replica still gets its welcome.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import {
  type Connection,
  decodeFrame,
  encodeFrame,
  type Frame,
  type HelloFrame,
  PROTOCOL_VERSION,
  REPLICATION_PATH,
  WsConnector,
} from '@meridian/replication';
import { send } from './support/rest.js';

const TOKEN = 'replication-frames-token';
const SECRET = 'replication-frames-secret';

interface Session {
  connection: Connection;
  frames: Frame[];
  closed: Promise<number>;
}

async function open(url: string): Promise<Session> {
  const connection = await new WsConnector({ url, handshakeTimeoutMs: 2_000 }).connect();
  const frames: Frame[] = [];
  let resolveClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });
  connection.setHandlers({
    message: (bytes) => frames.push(decodeFrame(bytes)),
    close: (code) => resolveClosed(code),
    drain: () => {},
  });
  return { connection, frames, closed };
}

function hello(secret: string): HelloFrame {
  return {
    t: 'hello',
    version: PROTOCOL_VERSION,
    replicaId: 'fault-replica',
    region: 'fault-replica',
    lastAppliedOffset: 0,
    lastEntryCrc: -1,
    replicationId: '',
    secret,
  };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

describe('a primary fed garbage on its replication endpoint', () => {
  const node = new MeridianNode({ token: TOKEN, region: 'fault', replication: { secret: SECRET } });
  let wsUrl = '';
  beforeAll(async () => {
    const url = await node.start();
    wsUrl = `${url.replace('http', 'ws')}${REPLICATION_PATH}`;
  });
  afterAll(() => node.close());

  it('closes connections that send random bytes and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 256 }), { minLength: 1, maxLength: 4 }),
        async (frames) => {
          const session = await open(wsUrl);
          for (const frame of frames) session.connection.send(frame);
          expect(await within(session.closed, 3_000)).not.toBe('timeout');
          expect(session.frames.every((frame) => frame.t === 'error')).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    expect((await send(node, '/', ['SET', 'after-garbage', '1'], { token: TOKEN })).json).toEqual({ result: 'OK' });
  });

  it('refuses well-formed frames that are wrong: bad secret, bad version, frames out of order', async () => {
    const wrong: Frame[][] = [
      [hello(`${SECRET}x`)],
      [hello('')],
      [{ ...hello(SECRET), version: PROTOCOL_VERSION + 1 }],
      [{ t: 'ack', appliedOffset: 5 }],
      [{ t: 'entries', entries: [{ offset: 1, timeMs: 0, effects: [['FLUSHALL']] }] }],
      [{ t: 'heartbeat', primaryOffset: 1, primaryTimeMs: 0 }],
    ];
    for (const frames of wrong) {
      const session = await open(wsUrl);
      for (const frame of frames) session.connection.send(encodeFrame(frame));
      expect(await within(session.closed, 3_000), JSON.stringify(frames)).not.toBe('timeout');
      expect(session.frames.some((frame) => frame.t === 'welcome')).toBe(false);
    }
    expect((await send(node, '/', ['GET', 'after-garbage'], { token: TOKEN })).json).toEqual({ result: '1' });
  });

  it('still welcomes a replica with the right secret', async () => {
    const session = await open(wsUrl);
    session.connection.send(encodeFrame(hello(SECRET)));
    for (let i = 0; i < 100 && !session.frames.some((frame) => frame.t === 'welcome'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(session.frames[0]?.t).toBe('welcome');
    session.connection.close(1000, 'done');
  });
});
