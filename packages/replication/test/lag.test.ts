import { afterEach, describe, expect, it } from 'vitest';
import { LinkModel, SeededRandom, uniform } from '@meridian/lag';
import type { Connection, ReplicaEvent } from '@meridian/replication';
import { DelayedConnection, SystemClock } from '@meridian/replication';
import {
  clock,
  converged,
  type PrimaryHarness,
  type ReplicaHarness,
  sleep,
  startPrimary,
  startReplica,
  waitUntil,
} from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pairWithLink(link: LinkModel): Promise<{ p: PrimaryHarness; r: ReplicaHarness }> {
  const p = await startPrimary({ linkFor: () => link });
  cleanups.push(() => p.stop());
  const r = startReplica(p);
  cleanups.push(() => r.replica.stop());
  await waitUntil(() => r.replica.state === 'streaming');
  return { p, r };
}

type Applied = ReplicaEvent & { kind: 'applied' };

function applied(events: readonly ReplicaEvent[]): Applied[] {
  return events.filter((event): event is Applied => event.kind === 'applied');
}

describe('lag injection over WebSockets', () => {
  it('with 200 ms injected delay an entry is not applied before ~200 ms', async () => {
    const { p, r } = await pairWithLink(new LinkModel({ baseDelayMs: 200 }, new SeededRandom(1)));
    const committedAt = clock.nowMs();
    p.write('SET', 'geo', 'far');
    const offset = p.log.lastOffset();
    await sleep(150);
    expect(r.replica.appliedOffset).toBeLessThan(offset);
    expect(await r.replica.waitForOffset(offset, 2000)).toBe(true);
    const event = applied(r.events).find((e) => e.offset === offset) as Applied;
    expect(event.receivedAtMs - event.commitTimeMs).toBeGreaterThanOrEqual(199);
    expect(event.appliedAtMs).toBeGreaterThanOrEqual(event.receivedAtMs);
    expect(event.appliedAtMs - committedAt).toBeLessThan(600);
  });

  it('keeps order under per-message jitter (head-of-line blocking), and the data converges', async () => {
    const link = new LinkModel({ baseDelayMs: 20, jitter: uniform(0, 60) }, new SeededRandom(3));
    const { p, r } = await pairWithLink(link);
    for (let i = 0; i < 100; i++) {
      p.write('SET', `k${i % 10}`, `v${i}`);
      await sleep(1);
    }
    await converged(p, r);
    const events = applied(r.events);
    const offsets = events.map((e) => e.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const e of events) expect(e.receivedAtMs - e.commitTimeMs).toBeGreaterThanOrEqual(19);
    for (let i = 1; i < events.length; i++) {
      expect((events[i] as Applied).receivedAtMs).toBeGreaterThanOrEqual((events[i - 1] as Applied).receivedAtMs);
    }
  });

  it('a lag change at run time takes effect on the live stream', async () => {
    const link = new LinkModel({ baseDelayMs: 0 }, new SeededRandom(1));
    const { p, r } = await pairWithLink(link);
    p.write('SET', 'a', '1');
    await converged(p, r);
    link.update({ baseDelayMs: 150 });
    p.write('SET', 'a', '2');
    await converged(p, r);
    const last = applied(r.events).at(-1) as Applied;
    expect(last.receivedAtMs - last.commitTimeMs).toBeGreaterThanOrEqual(149);
  });

  it('on the system clock a delayed link delivers each frame at or after its due time, in order, and none after close', async () => {
    const system = new SystemClock();
    const arrivals: { id: number; atMs: number }[] = [];
    const sink: Connection = {
      closed: false,
      send: (frame) => void arrivals.push({ id: frame[0] as number, atMs: system.nowMs() }),
      close: () => undefined,
      bytesBuffered: () => 0,
      setHandlers: () => undefined,
    };
    const link = new DelayedConnection(sink, system, new LinkModel({ baseDelayMs: 0.3 }, new SeededRandom(1)));
    const dueMs: number[] = [];
    // Due times a fraction of a millisecond apart and ahead: each is waited for to the microsecond.
    for (let id = 0; id < 20; id++) {
      dueMs.push(system.nowMs() + 0.3);
      link.send(Uint8Array.of(id));
      await sleep(id % 3);
    }
    await waitUntil(() => arrivals.length === 20);
    expect(arrivals.map((arrival) => arrival.id)).toEqual([...Array(20).keys()]);
    for (const { id, atMs } of arrivals) expect(atMs).toBeGreaterThanOrEqual(dueMs[id] as number);
    link.send(Uint8Array.of(99));
    link.close(1000, 'done');
    await sleep(5);
    expect(arrivals).toHaveLength(20);
  });

  it('on the system clock a link without delay delivers once the sending event has finished, not a turn later', async () => {
    const system = new SystemClock();
    const delivered: number[] = [];
    const sink: Connection = {
      closed: false,
      send: (frame) => void delivered.push(frame[0] as number),
      close: () => undefined,
      bytesBuffered: () => 0,
      setHandlers: () => undefined,
    };
    const link = new DelayedConnection(sink, system, new LinkModel({ baseDelayMs: 0 }, new SeededRandom(1)));
    const inTurn = await new Promise<number[]>((resolve) => {
      setImmediate(() => {
        // A turn queued before the sends: the frames left before the event loop went on to it.
        setImmediate(() => resolve([...delivered]));
        link.send(Uint8Array.of(1));
        link.send(Uint8Array.of(2));
        expect(delivered).toEqual([]);
      });
    });
    expect(inTurn).toEqual([1, 2]);
    link.send(Uint8Array.of(3));
    link.close(1000, 'done');
    await sleep(2);
    expect(delivered).toEqual([1, 2]);
  });
});
