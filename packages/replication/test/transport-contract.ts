/** The transport port's contract, run against the ws adapter and the in-memory one. */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_TOO_BIG, type Connection, type Connector, type Listener } from '@meridian/replication';

export interface TransportHarness {
  listener: Listener;
  connector: Connector;
  unreachable: Connector;
  frameBytesMax: number;
  dispose(): Promise<void>;
}

interface Recorder {
  frames: Uint8Array[];
  closes: [number, string][];
  drains: number;
}

function record(connection: Connection): Recorder {
  const recorder: Recorder = { frames: [], closes: [], drains: 0 };
  connection.setHandlers({
    // A copy as a plain Uint8Array: the contract is about the bytes (ws hands over a Buffer, a subclass).
    message: (frame) => recorder.frames.push(new Uint8Array(frame)),
    close: (code, reason) => recorder.closes.push([code, reason]),
    drain: () => recorder.drains++,
  });
  return recorder;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function transportContract(name: string, create: () => Promise<TransportHarness>): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness;
    afterEach(() => harness.dispose());

    async function pair(): Promise<{ client: Connection; server: Connection; c: Recorder; s: Recorder }> {
      harness = await create();
      let accepted: Connection | undefined;
      harness.listener.onConnection((connection) => (accepted = connection));
      const client = await harness.connector.connect();
      await until(() => accepted !== undefined, 'accept');
      const server = accepted as Connection;
      return { client, server, c: record(client), s: record(server) };
    }

    it('carries binary messages both ways, in order and intact', async () => {
      const { client, server, c, s } = await pair();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      for (let i = 0; i < 100; i++) client.send(Uint8Array.of(i, ...all));
      server.send(all);
      await until(() => s.frames.length === 100 && c.frames.length === 1, 'messages');
      s.frames.forEach((frame, i) => expect(frame).toEqual(Uint8Array.of(i, ...all)));
      expect(c.frames[0]).toEqual(all);
    });

    it('bytesBuffered drops back to 0 and drain fires', async () => {
      const { client, s, c } = await pair();
      client.send(new Uint8Array(50_000));
      await until(() => s.frames.length === 1 && client.bytesBuffered() === 0, 'drain');
      expect(c.drains).toBeGreaterThan(0);
    });

    it('a close reaches the peer with its code and reason, after the data sent before it', async () => {
      const { client, server, c, s } = await pair();
      server.send(Uint8Array.of(1, 2, 3));
      server.close(4000, 'BAD_SECRET');
      expect(server.closed).toBe(true);
      expect(s.closes).toEqual([[4000, 'BAD_SECRET']]);
      await until(() => c.closes.length === 1, 'peer close');
      expect(c.frames).toEqual([Uint8Array.of(1, 2, 3)]);
      expect(c.closes).toEqual([[4000, 'BAD_SECRET']]);
      expect(client.closed).toBe(true);
      client.send(Uint8Array.of(9));
      client.close(1000, 'again');
      expect(c.closes).toHaveLength(1);
    });

    it('a message over frameBytesMax closes the connection; the sender hears 1009', async () => {
      const { client, c, s } = await pair();
      client.send(new Uint8Array(harness.frameBytesMax + 1));
      await until(() => s.closes.length === 1 && c.closes.length === 1, 'close');
      expect(c.closes[0]?.[0]).toBe(CLOSE_TOO_BIG);
      expect(s.frames).toEqual([]);
    });

    it('events that arrive before setHandlers are replayed', async () => {
      harness = await create();
      let accepted: Connection | undefined;
      harness.listener.onConnection((connection) => (accepted = connection));
      const client = await harness.connector.connect();
      await until(() => accepted !== undefined, 'accept');
      (accepted as Connection).send(Uint8Array.of(7));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const c = record(client);
      expect(c.frames).toEqual([Uint8Array.of(7)]);
    });

    it('connecting to nowhere rejects', async () => {
      harness = await create();
      await expect(harness.unreachable.connect()).rejects.toThrow();
    });
  });
}
