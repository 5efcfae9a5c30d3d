import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '@meridian/engine';
import { encodeFrame, EngineApplier, type Frame, ReplicationReplica, SystemClock } from '@meridian/replication';
import type { LogEntry } from '@meridian/store';
import { HandOverConnection } from './hand-over.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function sets(count: number): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({ offset: i + 1, timeMs: 0, effects: [['SET', `k${i}`, 'v']] }));
}

const replicas: ReplicationReplica[] = [];
afterEach(() => {
  for (const replica of replicas.splice(0)) replica.stop();
});

/** A streaming replica on the real clock, welcomed at offset 0. */
async function streamingReplica(applyEntriesPerTurnMax?: number) {
  const engine = new Engine({ role: 'replica' });
  const connection = new HandOverConnection();
  const replica = new ReplicationReplica({
    connector: { connect: () => Promise.resolve(connection) },
    applier: new EngineApplier(engine, { appliedOffset: 0, replicationId: 'h' }),
    clock: new SystemClock(),
    random: () => 0.5,
    replicaId: 'r',
    region: 'r0',
    secret: 's',
    ...(applyEntriesPerTurnMax === undefined ? {} : { applyEntriesPerTurnMax }),
  });
  replicas.push(replica);
  replica.start();
  await nextTurn();
  connection.deliver(
    encodeFrame({
      t: 'welcome',
      mode: 'partial',
      replicationId: 'h',
      offset: 0,
      primaryOffset: 0,
      primaryTimeMs: 0,
      heartbeatMs: 100_000,
    }),
  );
  await nextTurn();
  connection.sent.length = 0;
  return { engine, connection, replica };
}

const acks = (sent: Frame[]): number[] => sent.flatMap((frame) => (frame.t === 'ack' ? [frame.appliedOffset] : []));

describe('a replica on the real clock applies what a socket read brought before the event loop turns', () => {
  it('applies the frames of one read and acks once, without a trip through the event loop', async () => {
    const { engine, connection, replica } = await streamingReplica();
    const entries = sets(5);
    connection.deliver(encodeFrame({ t: 'entries', entries: entries.slice(0, 3) }));
    connection.deliver(encodeFrame({ t: 'entries', entries: entries.slice(3) }));
    expect(replica.appliedOffset).toBe(0); // not inside the delivery itself
    await Promise.resolve(); // microtasks only: no timer, no I/O turn
    expect(replica.appliedOffset).toBe(5);
    expect(engine.execute(['GET', 'k4'], 0).reply).toBe('v');
    expect(acks(connection.sent)).toEqual([5]);
  });

  it('leaves a backlog past applyEntriesPerTurnMax to a later turn of the event loop', async () => {
    const { connection, replica } = await streamingReplica(2);
    connection.deliver(encodeFrame({ t: 'entries', entries: sets(5) }));
    await Promise.resolve();
    await Promise.resolve();
    expect(replica.appliedOffset).toBe(2);
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(replica.appliedOffset).toBe(5);
    expect(acks(connection.sent).at(-1)).toBe(5);
  });
});
