import { describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { VirtualClock } from '@meridian/lag';
import {
  type Connection,
  decodeFrame,
  EngineApplier,
  engineSnapshotSource,
  type Listener,
  MemoryNetwork,
  ReplicationPrimary,
  ReplicationReplica,
} from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';
import { run } from './virtual-time.js';

/** Wraps a listener so every frame the primary sends is recorded with the connection it went to. */
function recording(inner: Listener, sent: { connection: number; frame: Uint8Array }[]): Listener {
  let connections = 0;
  return {
    onConnection: (accept) =>
      inner.onConnection((connection) => {
        const id = connections++;
        const wrapped: Connection = {
          send: (frame) => {
            sent.push({ connection: id, frame });
            connection.send(frame);
          },
          close: (code, reason) => connection.close(code, reason),
          bytesBuffered: () => connection.bytesBuffered(),
          setHandlers: (handlers) => connection.setHandlers(handlers),
          get closed() {
            return connection.closed;
          },
        };
        accept(wrapped);
      }),
    close: () => inner.close(),
  };
}

describe('live batches', () => {
  it('are encoded once per turn and the same bytes go to every replica at that position', async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const network = new MemoryNetwork(clock);
    const engine = new Engine({ role: 'primary' });
    const log = new MemoryWriteLog();
    const sent: { connection: number; frame: Uint8Array }[] = [];
    const primary = new ReplicationPrimary({
      listener: recording(network.listen('p'), sent),
      log,
      clock,
      snapshots: engineSnapshotSource(engine, log, clock),
      secret: 's',
      replicationId: 'h',
      entriesPerFrameMax: 3,
    });
    const engines = [0, 1, 2].map(() => new Engine({ role: 'replica' }));
    const replicas = engines.map(
      (replicaEngine, i) =>
        new ReplicationReplica({
          connector: network.connector('p'),
          applier: new EngineApplier(replicaEngine),
          clock,
          replicaId: `r${i}`,
          region: `r${i}`,
          secret: 's',
          random: () => 0.5,
        }),
    );
    for (const replica of replicas) replica.start();
    await run(clock, 20);
    expect(primary.status().map((status) => status.state)).toEqual(['live', 'live', 'live']);
    sent.length = 0;
    for (let i = 0; i < 7; i++) {
      const { effects } = engine.execute(['SET', `k${i}`, `v\u00ff${i}`], clock.nowMs());
      log.append(clock.nowMs(), effects);
      primary.onAppend();
    }
    await run(clock, 20);
    const batches = sent.filter(({ frame }) => decodeFrame(frame).t === 'entries');
    // 7 entries, at most 3 per frame: 3 frames for each of the 3 replicas, 3 distinct byte arrays.
    expect(batches).toHaveLength(9);
    expect(new Set(batches.map(({ frame }) => frame)).size).toBe(3);
    for (const connection of [0, 1, 2]) {
      const offsets = batches
        .filter((batch) => batch.connection === connection)
        .flatMap(({ frame }) => {
          const decoded = decodeFrame(frame);
          return decoded.t === 'entries' ? decoded.entries.map((entry) => entry.offset) : [];
        });
      expect(offsets).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    for (const replicaEngine of engines) expect(replicaEngine.execute(['GET', 'k6'], 0).reply).toBe('v\u00ff6');
    await primary.close();
  });
});
