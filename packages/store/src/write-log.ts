import type { SnapshotStore } from './snapshot-store.js';
/**
 * The write-log port. The primary appends one entry per committed write batch; replication,
 * partial resync and restart read from it. Implemented on SQLite (durable) and in memory
 * (simulator, unit tests); one contract suite runs against both.
 */

/** A Redis command as byte strings (see @meridian/engine's ByteString). */
export type EffectCommand = string[];

export interface LogEntry {
  /** Strictly increasing, no gaps; the first entry ever has offset 1. */
  readonly offset: number;
  /** The primary's commit time, ms since the epoch. */
  readonly timeMs: number;
  readonly effects: readonly EffectCommand[];
}

/** How soon an append is durable (Redis's appendfsync). */
export type DurabilityPolicy = 'always' | 'everysec' | 'none';

export interface AppendResult {
  readonly offset: number;
  /** Resolves once the entry is durable as the policy promises (at once for everysec/none). */
  readonly durable: Promise<void>;
}

export type ReadResult =
  | { readonly kind: 'entries'; readonly entries: readonly LogEntry[] }
  /** `fromOffset` is older than the oldest entry kept: the reader needs a snapshot. */
  | { readonly kind: 'truncated'; readonly firstOffset: number };

/** Called after each group commit with its entry count and duration. */
export type CommitObserver = (entries: number, seconds: number) => void;

export interface WriteLog {
  /** This log as a SnapshotStore when it keeps snapshots (see `snapshotStoreOf`); absent otherwise. */
  snapshotStore?(): SnapshotStore | undefined;
  /** Reports every group commit (entries, seconds) when the log commits in groups (SQLite); absent otherwise. */
  observeCommits?(observer: CommitObserver): void;
  /** Offset of the newest entry, 0 when none was ever written. */
  lastOffset(): number;
  /** Offset of the oldest entry still kept (lastOffset() + 1 when the log is empty). */
  firstOffset(): number;
  /** Appends the next entry (offset lastOffset() + 1). */
  append(timeMs: number, effects: readonly EffectCommand[]): AppendResult;
  /** Entries with offset ≥ fromOffset, at most `entriesMax` of them and about `bytesMax` bytes. */
  read(fromOffset: number, limits: { entriesMax: number; bytesMax: number }): ReadResult;
  /** Drops entries with offset < `beforeOffset` (never past the newest snapshot). */
  truncateBefore(beforeOffset: number): void;
  close(): Promise<void>;
}

/**
 * A replica's copy of the primary's log: entries keep the primary's offsets, so the replica's
 * applied offset is simply its lastOffset() and survives a restart with the data it covers.
 */
export interface ReplicaWriteLog extends WriteLog {
  /** Appends the primary's entry `offset`, which must be lastOffset() + 1. */
  appendAt(offset: number, timeMs: number, effects: readonly EffectCommand[]): AppendResult;
  /**
   * Forgets every entry (and snapshot) and continues after `lastOffset`: the start of a full
   * resync from a snapshot taken at that offset.
   */
  resetTo(lastOffset: number): void;
}
