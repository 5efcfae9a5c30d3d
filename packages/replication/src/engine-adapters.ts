import { dumpKeyspace, type Engine, loadSnapshotEntry, type SnapshotEntry, assert } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import type { LogEntry, WriteLog } from '@meridian/store';
import type { ReplicaApplier } from './replica.js';
import type { Snapshot, SnapshotSource } from './primary.js';

/** Applies replicated entries to an engine (role replica). Persisting its state is the node's job. */
export class EngineApplier implements ReplicaApplier {
  private offset: number;
  private history: string;

  constructor(
    readonly engine: Engine,
    state: { appliedOffset: number; replicationId: string } = { appliedOffset: 0, replicationId: '' },
  ) {
    this.offset = state.appliedOffset;
    this.history = state.replicationId;
  }

  appliedOffset(): number {
    return this.offset;
  }

  replicationId(): string {
    return this.history;
  }

  apply(entry: LogEntry): void {
    this.applyInPlace(entry);
  }

  /** The engine keeps none of the effects' arrays (only their strings): a reused entry will do. */
  applyInPlace(entry: Readonly<LogEntry>): void {
    // The message is built only on failure: this runs once per entry on every replica.
    if (entry.offset !== this.offset + 1) assert(false, `entry ${entry.offset} applied after ${this.offset}`);
    this.engine.applyEffects(entry.effects, entry.timeMs);
    this.offset = entry.offset;
  }

  loadSnapshot(entries: readonly SnapshotEntry[], offset: number, replicationId: string): void {
    const db = this.engine.db;
    db.clear();
    for (const entry of entries) loadSnapshotEntry(db, entry);
    this.offset = offset;
    this.history = replicationId;
  }
}

/**
 * Snapshots of a primary engine at the log's last offset. Valid because the node appends each
 * write's effects in the same synchronous step as executing it.
 */
export function engineSnapshotSource(engine: Engine, log: WriteLog, clock: Clock): SnapshotSource {
  return {
    take: (): Snapshot => ({ offset: log.lastOffset(), timeMs: clock.nowMs(), entries: dumpKeyspace(engine.db) }),
  };
}
