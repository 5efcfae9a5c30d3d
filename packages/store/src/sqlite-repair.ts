import type Database from 'better-sqlite3';
import { entryChecksum } from './codec.js';
import { readMetaNumber, writeMeta } from './sqlite-schema.js';

/** What opening the log found and repaired; the node logs `messages`. */
export interface RepairReport {
  /** Entries after the newest snapshot dropped because one of them (or an earlier one) was bad. */
  droppedTailEntries: number;
  /** The first bad (corrupt or missing) offset after the newest snapshot, if any. */
  firstBadOffset: number | undefined;
  /** Entries at or before the newest snapshot dropped because they were bad (the snapshot covers them). */
  droppedHeadEntries: number;
  /** Half-written snapshots from a crash, deleted. */
  droppedIncompleteSnapshots: number;
  messages: string[];
}

interface EntryRow {
  offset: number;
  time_ms: number;
  payload: Buffer;
  crc32: number;
}

/** Bad offsets: entries failing their checksum, and the first offset of each hole. */
function findBadOffsets(
  db: Database.Database,
  firstOffset: number,
): { badAtOrBefore: (limit: number) => number | undefined; badAfter: (limit: number) => number | undefined } {
  const bad: number[] = [];
  let expected = firstOffset;
  for (const row of db
    .prepare('SELECT offset, time_ms, payload, crc32 FROM entries ORDER BY offset')
    .iterate() as IterableIterator<EntryRow>) {
    if (row.offset !== expected) bad.push(expected);
    if (entryChecksum(row.offset, row.time_ms, row.payload) !== row.crc32) bad.push(row.offset);
    expected = row.offset + 1;
  }
  return {
    badAtOrBefore: (limit) => bad.filter((offset) => offset <= limit).at(-1),
    badAfter: (limit) => bad.find((offset) => offset > limit),
  };
}

/**
 * Checks every entry's checksum and that offsets have no holes. A bad entry after the newest
 * snapshot cuts the log back to the entry before it (later entries cannot be replayed without
 * it); bad entries the snapshot covers are dropped from the front instead.
 */
export function repairLog(
  db: Database.Database,
  snapshotOffset: number,
): Omit<RepairReport, 'droppedIncompleteSnapshots'> {
  const messages: string[] = [];
  let firstOffset = readMetaNumber(db, 'first_offset');
  const found = findBadOffsets(db, firstOffset);
  const headBad = found.badAtOrBefore(snapshotOffset);
  const tailBad = found.badAfter(snapshotOffset);
  let droppedHeadEntries = 0;
  let droppedTailEntries = 0;
  const run = db.transaction(() => {
    if (headBad !== undefined) {
      droppedHeadEntries = db.prepare('DELETE FROM entries WHERE offset <= ?').run(headBad).changes;
      firstOffset = headBad + 1;
      writeMeta(db, 'first_offset', firstOffset);
      messages.push(
        `log entries up to ${headBad} were corrupt or missing; dropped ${droppedHeadEntries} (covered by the snapshot at ${snapshotOffset})`,
      );
    }
    if (tailBad !== undefined) {
      droppedTailEntries = db.prepare('DELETE FROM entries WHERE offset >= ?').run(tailBad).changes;
      messages.push(
        `log entry ${tailBad} is corrupt or missing; cut the log back to ${tailBad - 1} (dropped ${droppedTailEntries} entries)`,
      );
    }
    const lastEntry = db.prepare('SELECT max(offset) FROM entries').pluck().get() as number | null;
    if (snapshotOffset > (lastEntry ?? firstOffset - 1)) {
      // The snapshot is newer than the log's end: the log continues after the snapshot.
      db.prepare('DELETE FROM entries').run();
      writeMeta(db, 'first_offset', snapshotOffset + 1);
    }
  });
  run();
  return { droppedTailEntries, firstBadOffset: tailBad, droppedHeadEntries, messages };
}
