import type { Recorder } from './model/recorder.js';
import type { SimClient } from './model/workload.js';

/** A workload write the primary acknowledged: its offset is the answer's sync token. */
export interface LiveWrite {
  client: SimClient;
  key: number;
  writeId: number;
  ackMs: number;
  offset: number;
}

/** A workload read that got an answer: which write's value it returned (0: none). */
export interface LiveRead {
  client: SimClient;
  key: number;
  writeId: number;
  startMs: number;
  endMs: number;
  servedByPrimary: boolean;
}

type Event = { atMs: number; order: number; write?: LiveWrite; ended?: LiveRead; started?: LiveRead };

function keyed(map: Map<SimClient, Map<number, number>>, client: SimClient): Map<number, number> {
  let byKey = map.get(client);
  if (byKey === undefined) map.set(client, (byKey = new Map()));
  return byKey;
}

/**
 * Judges every read after the run, when every write's offset is known. Wall-clock order is what
 * a client can rely on, so a read is:
 * - stale if a write of its key had been acknowledged (to anyone) before the read was sent and
 *   the value it returned is older;
 * - a read-your-writes violation if its client had a newer write of the key acknowledged before;
 * - a monotonic-read violation if its client had already received a newer value of the key.
 * A value whose write was never acknowledged counts as new (it was committed; its offset is unknown).
 * Fills the recorder's read cells; returns the number of reads checked.
 */
export function checkLiveReads(writes: readonly LiveWrite[], reads: readonly LiveRead[], recorder: Recorder): number {
  const offsetOf = new Map<number, number>();
  for (const write of writes) offsetOf.set(write.writeId, write.offset);
  const versionOf = (read: LiveRead): number => (read.writeId === 0 ? 0 : (offsetOf.get(read.writeId) ?? Infinity));
  const events: Event[] = [];
  for (const write of writes) events.push({ atMs: write.ackMs, order: 0, write });
  for (const read of reads) {
    events.push({ atMs: read.endMs, order: 1, ended: read });
    events.push({ atMs: read.startMs, order: 2, started: read });
  }
  events.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  const newest = new Map<number, number>();
  const own = new Map<SimClient, Map<number, number>>();
  const observed = new Map<SimClient, Map<number, number>>();
  const floors = new Map<LiveRead, { newest: number; own: number; observed: number }>();
  for (const event of events) {
    const { write, ended, started } = event;
    if (write !== undefined) {
      newest.set(write.key, Math.max(newest.get(write.key) ?? 0, write.offset));
      const mine = keyed(own, write.client);
      mine.set(write.key, Math.max(mine.get(write.key) ?? 0, write.offset));
    } else if (ended !== undefined) {
      const seen = keyed(observed, ended.client);
      seen.set(ended.key, Math.max(seen.get(ended.key) ?? 0, versionOf(ended)));
    } else if (started !== undefined) {
      floors.set(started, {
        newest: newest.get(started.key) ?? 0,
        own: own.get(started.client)?.get(started.key) ?? 0,
        observed: observed.get(started.client)?.get(started.key) ?? 0,
      });
    }
  }
  for (const read of reads) {
    const floor = floors.get(read) as { newest: number; own: number; observed: number };
    const version = versionOf(read);
    const cell = recorder.read(read.client.region, read.client.level);
    cell.reads++;
    cell.latenciesMs.push(read.endMs - read.startMs);
    if (version < floor.newest) cell.stale++;
    if (version < floor.own) cell.readYourWritesViolations++;
    if (version < floor.observed) cell.monotonicViolations++;
    if (read.servedByPrimary) cell.servedByPrimary++;
  }
  return reads.length;
}
