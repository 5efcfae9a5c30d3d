import type { Keyspace, SnapshotEntry } from '@meridian/engine';
import type { DurabilityPolicy, WriteLog } from './write-log.js';

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

/**
 * The SnapshotStore port: a write log that also keeps snapshots, its durability policy and the
 * replication id it was created with (SQLite). A log without one (in memory) has no snapshots and
 * is replayed from offset 1. Code asks `snapshotStoreOf(log)` instead of testing the log's class.
 */
export interface SnapshotStore extends WriteLog, SnapshotReader {
  readonly policy: DurabilityPolicy;
  /** The history this store was created under (a primary reuses it across restarts). */
  readonly storedReplicationId: string;
  /** Snapshots the keyspace as of log `offset` (the primary's time `timeMs`). */
  writeSnapshot(keyspace: Keyspace, at: { offset: number; timeMs: number }): Promise<SnapshotInfo>;
  /** INFO persistence fields. */
  infoFields(): [string, string | number][];
}

/** The log's snapshot store, or undefined when the log keeps no snapshots. */
export function snapshotStoreOf(log: WriteLog): SnapshotStore | undefined {
  return log.snapshotStore?.();
}
