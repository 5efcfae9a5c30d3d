import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { digestKeyspace } from '@meridian/engine';
import {
  CUT_OFFS_UNHEALTHY,
  FRAME_BYTES_MAX_DEFAULT,
  FrameAssembler,
  ReplicationError,
  splitFrame,
  WsConnector,
  WsListener,
  type Connection,
} from '@meridian/replication';
import {
  closeHttp,
  converged,
  listenHttp,
  portOf,
  modes,
  type PrimaryHarness,
  type ReplicaHarness,
  startPrimary,
  startReplica,
  waitUntil,
} from './harness.js';

const FRAME_BYTES_SMALL = 64 * 1024;
const stops: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function pair(
  frameBytesMax: number,
  before?: (primary: PrimaryHarness) => void,
): Promise<{
  primary: PrimaryHarness;
  replica: ReplicaHarness;
}> {
  const primary = await startPrimary({ frameBytesMax });
  stops.push(() => primary.stop());
  before?.(primary);
  const replica = startReplica(primary, {
    connector: { connect: (): Promise<Connection> => new WsConnector({ url: primary.url, frameBytesMax }).connect() },
  });
  stops.push(() => replica.replica.stop());
  return { primary, replica };
}

function member(i: number): string {
  return `m${i}-`.padEnd(100, 'x');
}

function errorCodes(replica: ReplicaHarness): string[] {
  return replica.events.flatMap((event) => (event.kind === 'error' ? [event.code] : []));
}

describe('entries and snapshot keys larger than one message', () => {
  it('replicates an SPOP whose SREM effect is larger than frameBytesMax, with no reconnect', async () => {
    const { primary, replica } = await pair(FRAME_BYTES_SMALL);
    for (let i = 0; i < 2000; i += 100) {
      primary.write('SADD', 'bigset', ...Array.from({ length: 100 }, (_, j) => member(i + j)));
    }
    await converged(primary, replica);
    expect(primary.write('SPOP', 'bigset', '1999')).toHaveLength(1999);
    primary.write('SET', 'after', 'spop');
    await converged(primary, replica);
    expect(replica.engine.execute(['SCARD', 'bigset'], Date.now()).reply).toBe(1);
    expect(errorCodes(replica)).toEqual([]);
    expect(modes(replica.events)).toHaveLength(1);
  });

  it('full-resyncs a key larger than frameBytesMax (snapshot chunk in parts)', async () => {
    const { primary, replica } = await pair(FRAME_BYTES_SMALL, (primary) => {
      primary.write('SETRANGE', 'fat', String(5 * FRAME_BYTES_SMALL), 'z');
      primary.write('SADD', 'wide', ...Array.from({ length: 2000 }, (_, i) => member(i)));
      primary.write('SET', 'small', 'v');
    });
    await converged(primary, replica);
    expect(modes(replica.events)).toEqual(['full']);
    expect(replica.engine.execute(['STRLEN', 'fat'], Date.now()).reply).toBe(5 * FRAME_BYTES_SMALL + 1);
    expect(errorCodes(replica)).toEqual([]);
  });

  it('at the default limit, a 20 MB value replicates live and by full resync', async () => {
    const bytes = 20_000_000;
    expect(bytes).toBeGreaterThan(FRAME_BYTES_MAX_DEFAULT);
    const { primary, replica } = await pair(FRAME_BYTES_MAX_DEFAULT);
    primary.write('SET', 'k', 'v');
    await converged(primary, replica);
    primary.write('SETRANGE', 'fat', String(bytes), 'z');
    primary.write('SET', 'copy', 'y'.repeat(bytes)); // one SET effect of 20 MB: sent in parts
    await converged(primary, replica, 20_000);
    const late = startReplica(primary, { replicaId: 'replica-2' });
    stops.push(() => late.replica.stop());
    await converged(primary, late, 20_000);
    expect(modes(late.events)).toEqual(['full']);
    expect(digestKeyspace(late.engine.db)).toBe(digestKeyspace(primary.engine.db));
    expect([...errorCodes(replica), ...errorCodes(late)]).toEqual([]);
  });
});

describe('frame parts', () => {
  const frame = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

  it('leaves a frame that fits alone and joins parts back byte for byte', () => {
    expect(splitFrame(frame, 1000)).toEqual([frame]);
    const parts = splitFrame(frame, 100);
    expect(parts.length).toBeGreaterThan(10);
    for (const part of parts) expect(part.byteLength).toBeLessThanOrEqual(100);
    const assembler = new FrameAssembler();
    const joined = parts.map((part) => assembler.accept(part));
    expect(joined.slice(0, -1).every((item) => item === undefined)).toBe(true);
    expect(joined.at(-1)).toEqual(frame);
    expect(assembler.assembling).toBe(false);
  });

  function codeOf(action: () => unknown): string {
    try {
      action();
    } catch (error) {
      if (error instanceof ReplicationError) return error.code;
      throw error;
    }
    return 'none';
  }

  it('refuses parts out of sequence, corrupted parts and frames over assembledBytesMax, with codes', () => {
    const parts = splitFrame(frame, 100);
    expect(codeOf(() => new FrameAssembler().accept(parts[1] as Uint8Array))).toBe('PROTOCOL_VIOLATION');
    const corrupted = Uint8Array.from(parts[0] as Uint8Array);
    corrupted[20] = (corrupted[20] as number) ^ 0xff;
    expect(codeOf(() => new FrameAssembler().accept(corrupted))).toBe('CORRUPT_FRAME');
    const small = new FrameAssembler(500);
    expect(codeOf(() => parts.forEach((part) => small.accept(part)))).toBe('FRAME_TOO_LARGE');
    expect(small.assembling).toBe(false);
  });
});

describe('the replication listener before authentication', () => {
  it('closes a connection whose first message is over the small replica limit (1009) without buffering it', async () => {
    const server = await listenHttp(0);
    const listener = new WsListener({ server });
    const accepted: Connection[] = [];
    listener.onConnection((connection) => accepted.push(connection));
    stops.push(async () => {
      await listener.close();
      await closeHttp(server);
    });
    const socket = new WebSocket(`ws://127.0.0.1:${portOf(server)}/_meridian/replication`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(new Uint8Array(1024 * 1024));
    expect(await closed).toBe(1009);
  });
});

describe('replication connection caps', () => {
  it('refuses sockets over the per-address cap with 503 and a code, and frees the slot on close', async () => {
    const server = await listenHttp(0);
    const listener = new WsListener({ server, connectionsPerAddressMax: 2 });
    listener.onConnection(() => undefined);
    stops.push(async () => {
      await listener.close();
      await closeHttp(server);
    });
    const url = `ws://127.0.0.1:${portOf(server)}/_meridian/replication`;
    const open = (): Promise<WebSocket | number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(url);
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', () => undefined);
      });
    const first = await open();
    const second = await open();
    expect(first).toBeInstanceOf(WebSocket);
    expect(second).toBeInstanceOf(WebSocket);
    expect(await open()).toBe(503);
    const closed = new Promise((resolve) => (first as WebSocket).once('close', resolve));
    (first as WebSocket).close();
    await closed;
    let again: WebSocket | number = 503;
    for (let i = 0; i < 50 && again === 503; i++) again = await open();
    expect(again).toBeInstanceOf(WebSocket);
    (second as WebSocket).terminate();
    (again as WebSocket).terminate();
  });
});

describe('a replica that keeps being cut off', () => {
  it('reports itself unhealthy after CUT_OFFS_UNHEALTHY losses in a row, and healthy again once it progresses', async () => {
    const primary = await startPrimary({ frameBytesMax: FRAME_BYTES_SMALL, assembledBytesMax: 4 * FRAME_BYTES_SMALL });
    stops.push(() => primary.stop());
    const replica = startReplica(primary, {
      connector: {
        connect: (): Promise<Connection> =>
          new WsConnector({ url: primary.url, frameBytesMax: FRAME_BYTES_SMALL }).connect(),
      },
    });
    stops.push(() => replica.replica.stop());
    primary.write('SET', 'k', 'v');
    await converged(primary, replica);
    expect(replica.replica.healthy).toBe(true);
    primary.write('SET', 'huge', 'h'.repeat(8 * FRAME_BYTES_SMALL));
    await waitUntil(() => !replica.replica.healthy, 10_000, 'the replica to turn unhealthy');
    expect(replica.replica.cutOffsInARow).toBeGreaterThanOrEqual(CUT_OFFS_UNHEALTHY);
    expect(errorCodes(replica)).toContain('FRAME_TOO_LARGE');
    expect(replica.replica.appliedOffset).toBe(1);
    // Once the entry is gone from the log, a full resync gets the replica going again.
    primary.write('DEL', 'huge');
    primary.log.truncateBefore(primary.log.lastOffset());
    await converged(primary, replica, 10_000);
    await waitUntil(() => replica.replica.healthy, 10_000, 'the replica to be healthy again');
  });
});
