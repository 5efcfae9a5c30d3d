import type { SnapshotEntry } from '@meridian/engine';

/** A complete snapshot: the keyspace as of log `offset`, taken at the primary's time `timeMs`. */
export interface SnapshotInfo {
  readonly id: number;
  /** The last log entry the snapshot contains; replay resumes at offset + 1. */
  readonly offset: number;
  /** The primary's time of that entry (or of the snapshot, if later). */
  readonly timeMs: number;
  readonly createdAtMs: number;
  readonly entryCount: number;
  readonly chunkCount: number;
  /** Encoded size of the chunks. */
  readonly bytes: number;
}

/** Where recovery and full resync read snapshots from. */
export interface SnapshotReader {
  /** Complete snapshots, newest first. */
  snapshots(): readonly SnapshotInfo[];
  /** The snapshot's keys in chunk order; throws MERIDIAN_STORE_SNAPSHOT_CORRUPT on a bad checksum. */
  readSnapshot(id: number): Iterable<SnapshotEntry>;
}
