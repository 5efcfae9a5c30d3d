import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Engine, loadSnapshotEntry, type SnapshotEntry } from '@meridian/engine';
import { entryChecksum, type ReplicaApplier } from '@meridian/replication';
import { type LogEntry, type ReplicaWriteLog, snapshotStoreOf, StoreError } from '@meridian/store';
import type { Report } from '@meridian/metrics';
import { epochOfMarker } from '@meridian/core';
import { type EpochHistory, epochOfHistory } from './epochs.js';

/**
 * Where a replica keeps the primary's replication id (the history its log copy belongs to).
 * The store's own meta id names the store's history, which is the primary's only on the primary.
 */
export interface HistoryStore {
  read(): string;
  write(replicationId: string): void;
  clear(): void;
}

export class MemoryHistory implements HistoryStore {
  private value = '';
  read(): string {
    return this.value;
  }
  write(replicationId: string): void {
    this.value = replicationId;
  }
  clear(): void {
    this.value = '';
  }
}

const HISTORY_FILE = 'replication.json';

/** `<dir>/replication.json`, replaced atomically (write, fsync, rename, fsync the folder). */
export class HistoryFile implements HistoryStore {
  private readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, HISTORY_FILE);
  }

  read(): string {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return '';
    }
    try {
      const parsed = JSON.parse(text) as { replicationId?: unknown };
      return typeof parsed.replicationId === 'string' ? parsed.replicationId : '';
    } catch {
      return '';
    }
  }

  write(replicationId: string): void {
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify({ replicationId }));
    const file = openSync(temporary, 'r');
    try {
      fsyncSync(file);
    } finally {
      closeSync(file);
    }
    renameSync(temporary, this.path);
    const folder = openSync(this.dir, 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

/**
 * Applies the primary's entries to the replica's engine and its own write log, under the
 * primary's offsets: the log's last offset is the applied offset, so a restart resumes exactly
 * there. A full resync resets the log, records the new history, swaps the keyspace in and
 * writes it as a snapshot (a crash before that completes leaves a log recovery refuses, and the
 * replica full-resyncs again).
 */
export class PersistentApplier implements ReplicaApplier {
  /** The primary's commit time of the newest applied entry or snapshot; undefined when unknown. */
  lastTimeMs: number | undefined;
  /** The newest offset the log has durably committed; frozen once a commit failed. */
  private durable: number;
  private commitFailed = false;
  private durableListener: (() => void) | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly log: ReplicaWriteLog,
    private readonly history: HistoryStore,
    private readonly nowMs: () => number,
    private readonly report: Report,
    state: { lastTimeMs: number | undefined },
    /** The epoch of each entry (automatic failover): markers applied and snapshots loaded move it. */
    private readonly epochs?: EpochHistory,
  ) {
    this.lastTimeMs = state.lastTimeMs;
    this.durable = log.lastOffset();
  }

  appliedOffset(): number {
    return this.log.lastOffset();
  }

  durableOffset(): number {
    return this.durable;
  }

  onDurable(listener: () => void): void {
    this.durableListener = listener;
  }

  replicationId(): string {
    return this.history.read();
  }

  entryChecksumAt(offset: number): number | undefined {
    const read = this.log.read(offset, { entriesMax: 1, bytesMax: Number.MAX_SAFE_INTEGER });
    const entry = read.kind === 'entries' ? read.entries[0] : undefined;
    return entry?.offset === offset ? entryChecksum(entry) : undefined;
  }

  adoptHistory(replicationId: string): void {
    this.report(`meridian: the primary continues this replica's history as ${replicationId} (after a failover)`, {
      event: 'replica.history-adopted',
      fields: { replicationId },
    });
    this.history.write(replicationId);
  }

  apply(entry: LogEntry): void {
    const { durable } = this.log.appendAt(entry.offset, entry.timeMs, entry.effects);
    this.engine.applyEffects(entry.effects, entry.timeMs);
    const epoch = epochOfMarker(entry.effects);
    if (epoch !== undefined) this.epochs?.begin(epoch, entry.offset);
    this.lastTimeMs = entry.timeMs;
    const offset = entry.offset;
    durable.then(
      () => {
        if (this.commitFailed || offset <= this.durable) return;
        this.durable = offset;
        this.durableListener?.();
      },
      (error: unknown) => {
        if (this.commitFailed) return;
        this.commitFailed = true;
        this.report(
          `meridian: the replica log failed to commit offset ${offset} (${error instanceof Error ? error.message : String(error)}); acks stay at ${this.durable}`,
          { event: 'replica.log-commit-failed', level: 'error', fields: { offset } },
        );
      },
    );
  }

  loadSnapshot(entries: readonly SnapshotEntry[], offset: number, replicationId: string): void {
    this.log.resetTo(offset);
    // The log starts over at the snapshot (written to disk below, asynchronously): acks count from it.
    this.durable = offset;
    this.commitFailed = false;
    this.history.write(replicationId);
    // The snapshot is the primary's state now, past its epoch's marker: its last entry is of the primary's epoch.
    this.epochs?.reset(epochOfHistory(replicationId), offset);
    const db = this.engine.db;
    db.clear();
    for (const entry of entries) loadSnapshotEntry(db, entry);
    // The snapshot frame's time is not handed to the applier; "now" bounds it from above and is
    // replaced by the first entry's or heartbeat's time.
    const timeMs = Math.floor(this.nowMs());
    this.lastTimeMs = timeMs;
    const log = snapshotStoreOf(this.log);
    if (log === undefined) return;
    log.writeSnapshot(db, { offset, timeMs }).catch((error: unknown) => {
      // A newer full resync reset the log meanwhile: that one writes its own snapshot.
      if (error instanceof StoreError && error.code === 'MERIDIAN_STORE_CLOSED') return;
      this.report(`meridian: writing the resync snapshot at offset ${offset} failed: ${String(error)}`, {
        event: 'replica.snapshot-write-failed',
        level: 'error',
        fields: { offset },
      });
    });
  }
}
