import { afterEach, describe, expect, it } from 'vitest';
import { digestKeyspace, Engine } from '@meridian/engine';
import { LinkModel, SeededRandom } from '@meridian/lag';
import { EngineApplier } from '@meridian/replication';
import { MemoryWriteLog } from '@meridian/store';
import {
  clock,
  converged,
  modes,
  type PrimaryHarness,
  type ReplicaHarness,
  sleep,
  startPrimary,
  startReplica,
  waitUntil,
  writeMany,
} from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function primary(options: Parameters<typeof startPrimary>[0] = {}): Promise<PrimaryHarness> {
  const harness = await startPrimary(options);
  cleanups.push(() => harness.stop());
  return harness;
}

function replica(target: { url: string }, options: Parameters<typeof startReplica>[1] = {}): ReplicaHarness {
  const harness = startReplica(target, options);
  cleanups.push(() => harness.replica.stop());
  return harness;
}

describe('replication over WebSockets', () => {
  it('a new replica gets a full resync, then live entries', async () => {
    const p = await primary();
    writeMany(p, 300);
    const r = replica(p);
    await converged(p, r);
    writeMany(p, 200, 2);
    await converged(p, r);
    expect(modes(r.events)).toEqual(['full']);
    expect(r.events.some((event) => event.kind === 'applied' && event.offset === p.log.lastOffset())).toBe(true);
    expect(p.primary.status()).toMatchObject([{ replicaId: 'replica-1', state: 'live' }]);
  });

  it('a restarted replica resumes from its applied offset (partial resync)', async () => {
    const p = await primary();
    writeMany(p, 100);
    const first = replica(p);
    await converged(p, first);
    first.replica.stop();
    const stoppedAt = first.replica.appliedOffset;
    writeMany(p, 100, 3);
    const second = replica(p, { applier: first.applier });
    await converged(p, second);
    expect(modes(second.events)).toEqual(['partial']);
    const applied = second.events.filter((event) => event.kind === 'applied');
    expect(applied[0]).toMatchObject({ offset: stoppedAt + 1 });
    expect(second.events.some((event) => event.kind === 'snapshot-loaded')).toBe(false);
  });

  it('a replica behind a truncated log gets a full resync', async () => {
    const p = await primary();
    writeMany(p, 100);
    const first = replica(p);
    await converged(p, first);
    first.replica.stop();
    writeMany(p, 100, 4);
    p.log.truncateBefore(p.log.lastOffset() - 10);
    const second = replica(p, { applier: first.applier });
    await converged(p, second);
    expect(modes(second.events)).toEqual(['full']);
  });

  it('offset 0 of the same history replays the whole log; a foreign history gets a snapshot', async () => {
    const p = await primary();
    writeMany(p, 50);
    const fromStart = new EngineApplier(new Engine({ role: 'replica' }), {
      appliedOffset: 0,
      replicationId: 'history-a',
    });
    const r = replica(p, { applier: fromStart });
    await converged(p, r);
    expect(modes(r.events)).toEqual(['partial']);
    r.replica.stop();
    const foreign = new EngineApplier(new Engine({ role: 'replica' }), {
      appliedOffset: 3,
      replicationId: 'history-x',
    });
    foreign.engine.execute(['SET', 'stale', 'data'], clock.nowMs());
    const other = replica(p, { applier: foreign });
    await converged(p, other);
    expect(modes(other.events)).toEqual(['full']);
  });

  it('primary restart: same history with its log → partial; a new history → full', async () => {
    const engine = new Engine({ role: 'primary' });
    const log = new MemoryWriteLog();
    const first = await startPrimary({ engine, log });
    writeMany(first, 100);
    const target = { url: first.url };
    const r = replica(target);
    await converged(first, r);
    await first.stop();
    await waitUntil(() => r.replica.state === 'connecting', 5000, 'replica to notice');

    const second = await primary({ engine, log });
    target.url = second.url;
    writeMany(second, 50, 5);
    await converged(second, r);
    expect(modes(r.events)).toEqual(['full', 'partial']);
    await second.stop();
    cleanups.pop();

    const third = await primary({ replicationId: 'history-b' });
    target.url = third.url;
    third.write('SET', 'only', 'in-b');
    await waitUntil(() => r.applier.replicationId() === 'history-b', 5000, 'switch to history-b');
    await converged(third, r);
    expect(modes(r.events)).toEqual(['full', 'partial', 'full']);
    expect(r.engine.execute(['GET', 'k1'], clock.nowMs()).reply).toBeNull();
    expect(r.applier.replicationId()).toBe('history-b');
  });

  it('a partitioned link drops the connection; once healed the replica catches up', async () => {
    const link = new LinkModel({ baseDelayMs: 5 }, new SeededRandom(1));
    const p = await primary({ linkFor: () => link });
    writeMany(p, 50);
    const r = replica(p);
    await converged(p, r);
    link.setPartitioned(true);
    await waitUntil(() => r.events.some((event) => event.kind === 'disconnected' && event.reason === 'PARTITIONED'));
    const appliedBefore = r.replica.appliedOffset;
    writeMany(p, 100, 6);
    await sleep(200);
    expect(r.replica.appliedOffset).toBe(appliedBefore);
    expect(r.replica.stalenessMs(clock.nowMs())).toBeGreaterThanOrEqual(150);
    link.setPartitioned(false);
    await converged(p, r);
    expect(modes(r.events).slice(-1)).toEqual(['partial']);
  });

  it('a replica killed mid-stream resumes where it stopped', async () => {
    const link = new LinkModel({ baseDelayMs: 1, bandwidthBytesPerSecond: 200_000 }, new SeededRandom(1));
    const p = await primary({ linkFor: () => link, entriesPerFrameMax: 20 });
    p.write('SET', 'first', '1');
    const first = replica(p);
    await converged(p, first);
    first.replica.stop();
    for (let i = 0; i < 2000; i++) p.write('SET', `key:${i % 300}`, 'x'.repeat(100));
    const second = replica(p, { applier: first.applier });
    await waitUntil(() => second.replica.appliedOffset > 100, 10_000, 'some entries');
    second.replica.stop();
    const stoppedAt = second.replica.appliedOffset;
    expect(stoppedAt).toBeLessThan(p.log.lastOffset());
    link.update({ bandwidthBytesPerSecond: Infinity });
    const third = replica(p, { applier: first.applier });
    await converged(p, third);
    expect(modes(third.events)).toEqual(['partial']);
    expect(third.events.find((event) => event.kind === 'applied')).toMatchObject({ offset: stoppedAt + 1 });
  });

  it('a replica whose backlog overflows is cut off (BACKLOG_EXCEEDED) and resyncs', async () => {
    const link = new LinkModel({ baseDelayMs: 150 }, new SeededRandom(1));
    const disconnects: string[] = [];
    const p = await primary({
      linkFor: () => link,
      backlogBytesMax: 20_000,
      onEvent: (event) => void (event.kind === 'disconnected' && disconnects.push(event.reason)),
    });
    const r = replica(p);
    await waitUntil(() => r.replica.state === 'streaming');
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 30; i++) p.write('SET', `big:${i}`, 'y'.repeat(200));
      await sleep(5);
    }
    await waitUntil(() => disconnects.includes('BACKLOG_EXCEEDED'), 5000, 'backlog cut-off');
    link.update({ baseDelayMs: 0 });
    await converged(p, r);
    expect(r.replica.lastError).toBe('BACKLOG_EXCEEDED');
  });

  it('WAIT counts acking replicas; waitForOffset resolves on apply or times out', async () => {
    const link = new LinkModel({ baseDelayMs: 100 }, new SeededRandom(1));
    const p = await primary({ linkFor: () => link });
    const r = replica(p);
    await waitUntil(() => r.replica.state === 'streaming');
    p.write('SET', 'a', '1');
    const offset = p.log.lastOffset();
    expect(await p.primary.waitForReplicas(1, offset, 10)).toBe(0);
    expect(await r.replica.waitForOffset(offset, 10)).toBe(false);
    const [acked, reached] = await Promise.all([
      p.primary.waitForReplicas(1, offset, 5000),
      r.replica.waitForOffset(offset, 5000),
    ]);
    expect(acked).toBe(1);
    expect(reached).toBe(true);
    expect(p.primary.status()[0]).toMatchObject({ ackedOffset: offset, lagEntries: 0 });
  });

  it('staleness follows heartbeats while idle and grows while cut off', async () => {
    const p = await primary({ heartbeatMs: 20 });
    const r = replica(p);
    expect(r.replica.stalenessMs(clock.nowMs())).toBe(Infinity);
    p.write('SET', 'a', '1');
    await converged(p, r);
    await sleep(200);
    expect(r.replica.stalenessMs(clock.nowMs())).toBeLessThan(80);
    expect(r.replica.primaryOffset).toBe(p.log.lastOffset());
    await p.stop();
    cleanups.pop();
    await sleep(200);
    expect(r.replica.stalenessMs(clock.nowMs())).toBeGreaterThan(180);
  });

  it('digests agree across many random writes with TTLs and deletes', async () => {
    const p = await primary();
    const r = replica(p);
    for (let round = 0; round < 20; round++) {
      writeMany(p, 50, round + 10);
      await sleep(2);
    }
    await converged(p, r);
    expect(digestKeyspace(r.engine.db)).toBe(digestKeyspace(p.engine.db));
  });
});
