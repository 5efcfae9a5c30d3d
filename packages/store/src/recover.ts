import { type Engine, loadSnapshotEntry, assert } from '@meridian/engine';
import { StoreError } from './errors.js';
import type { SnapshotInfo, SnapshotReader } from './snapshot-store.js';
import type { WriteLog } from './write-log.js';

export interface RecoveryReport {
  /** The snapshot the keyspace was loaded from, if any. */
  snapshot: SnapshotInfo | undefined;
  /** Newer snapshots that could not be used, and why. */
  skippedSnapshots: { id: number; offset: number; reason: string }[];
  replayedEntries: number;
  /** The offset the engine now reflects (a replica's applied offset). */
  lastOffset: number;
  /** The primary time of that offset, undefined for an empty store. */
  lastTimeMs: number | undefined;
}

export interface RecoveryOptions {
  readEntriesMax?: number;
  readBytesMax?: number;
}

/** Loads the newest snapshot that is intact and that the log still reaches; undefined if none. */
function loadNewestSnapshot(engine: Engine, store: WriteLog & SnapshotReader, report: RecoveryReport): void {
  for (const snapshot of store.snapshots()) {
    if (snapshot.offset + 1 < store.firstOffset() || snapshot.offset > store.lastOffset()) {
      report.skippedSnapshots.push({
        id: snapshot.id,
        offset: snapshot.offset,
        reason: 'the log does not continue it',
      });
      continue;
    }
    try {
      for (const entry of store.readSnapshot(snapshot.id)) loadSnapshotEntry(engine.db, entry);
      report.snapshot = snapshot;
      report.lastOffset = snapshot.offset;
      report.lastTimeMs = snapshot.timeMs;
      return;
    } catch (error) {
      engine.db.clear();
      if (!(error instanceof StoreError)) throw error;
      report.skippedSnapshots.push({ id: snapshot.id, offset: snapshot.offset, reason: error.message });
    }
  }
}

/**
 * Rebuilds `engine` (which must be empty) from the store: the newest valid snapshot, then every
 * log entry after it applied with its primary time, giving exactly the acknowledged keyspace.
 * TTLs are absolute, so a key that expired while the node was down is still in the keyspace but
 * logically gone; the primary deletes it (and logs the DEL) when it is next accessed.
 * Throws MERIDIAN_STORE_LOG_GAP when no snapshot plus log reaches back to offset 1: a replica
 * then resets its log and asks for a full resync.
 */
export function recoverEngine(
  engine: Engine,
  store: WriteLog & SnapshotReader,
  options: RecoveryOptions = {},
): RecoveryReport {
  assert(engine.db.data.size === 0, 'recoverEngine needs an empty engine');
  const report: RecoveryReport = {
    snapshot: undefined,
    skippedSnapshots: [],
    replayedEntries: 0,
    lastOffset: 0,
    lastTimeMs: undefined,
  };
  loadNewestSnapshot(engine, store, report);
  if (report.snapshot === undefined && store.firstOffset() > 1) {
    throw new StoreError(
      'MERIDIAN_STORE_LOG_GAP',
      `no usable snapshot and the log starts at offset ${store.firstOffset()}, not 1${report.skippedSnapshots.map((s) => `; snapshot ${s.id}: ${s.reason}`).join('')}`,
    );
  }
  const replayed = replayLog(engine, store, report.lastOffset, options);
  report.replayedEntries = replayed.entries;
  if (replayed.entries > 0) {
    report.lastOffset = replayed.lastOffset;
    report.lastTimeMs = replayed.lastTimeMs;
  }
  return report;
}

/**
 * Applies every log entry after `afterOffset` to `engine`, with its primary time: the one replay
 * the node's recovery, its in-memory restart and the simulator's restarted primary all run.
 * Throws MERIDIAN_STORE_LOG_GAP when the log no longer holds the entry after `afterOffset`.
 */
export function replayLog(
  engine: Engine,
  log: WriteLog,
  afterOffset = 0,
  options: RecoveryOptions = {},
): { entries: number; lastOffset: number; lastTimeMs: number | undefined } {
  const limits = { entriesMax: options.readEntriesMax ?? 1024, bytesMax: options.readBytesMax ?? 16 * 1024 * 1024 };
  const replayed = { entries: 0, lastOffset: afterOffset, lastTimeMs: undefined as number | undefined };
  if (afterOffset < log.lastOffset() && log.firstOffset() > afterOffset + 1) {
    throw new StoreError(
      'MERIDIAN_STORE_LOG_GAP',
      `the write log starts at offset ${log.firstOffset()}, after ${afterOffset + 1}: only a log with snapshots can be recovered`,
    );
  }
  let next = afterOffset + 1;
  while (next <= log.lastOffset()) {
    const batch = log.read(next, limits);
    if (batch.kind === 'truncated') {
      throw new StoreError(
        'MERIDIAN_STORE_LOG_GAP',
        `the log was truncated to ${batch.firstOffset} during recovery from ${next}`,
      );
    }
    if (batch.entries.length === 0) break;
    for (const entry of batch.entries) {
      engine.applyEffects(entry.effects, entry.timeMs);
      replayed.entries += 1;
      replayed.lastOffset = entry.offset;
      replayed.lastTimeMs = entry.timeMs;
      next = entry.offset + 1;
    }
  }
  return replayed;
}
