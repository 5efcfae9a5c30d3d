import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogPosition } from '@meridian/core';

/** Where an epoch's entries begin in this region's log: the offset of its marker (or of a resync snapshot). */
export interface EpochStart {
  readonly epoch: number;
  readonly offset: number;
}

const FILE = 'epochs.json';

/**
 * The epoch of every entry of a region's log, as Kafka's leader-epoch checkpoint keeps it: the list of
 * (epoch, first offset), from the epoch markers the region appended or applied and the snapshots it
 * loaded. An entry's epoch is that of the last start at or before it. Automatic failover compares
 * regions by the epoch of their last entry, then its offset (docs/failover.md).
 *
 * Kept in `<region dir>/epochs.json` (written atomically, rarely: once per epoch), or in memory.
 */
export class EpochHistory {
  private starts: EpochStart[];

  constructor(private readonly dir: string | undefined) {
    this.starts = dir === undefined ? [] : EpochHistory.read(dir);
  }

  private static read(dir: string): EpochStart[] {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as { starts?: unknown };
      if (!Array.isArray(parsed.starts)) return [];
      return parsed.starts.filter(
        (start): start is EpochStart =>
          typeof start === 'object' &&
          start !== null &&
          Number.isSafeInteger((start as EpochStart).epoch) &&
          Number.isSafeInteger((start as EpochStart).offset),
      );
    } catch {
      return [];
    }
  }

  /** The starts, oldest first. */
  list(): readonly EpochStart[] {
    return this.starts;
  }

  /** The epoch of the entry at `offset` (0: before any marker, the regions.yaml primary's). */
  epochAt(offset: number): number {
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const start = this.starts[i] as EpochStart;
      if (start.offset <= offset) return start.epoch;
    }
    return 0;
  }

  position(lastOffset: number): LogPosition {
    return { epoch: this.epochAt(lastOffset), offset: lastOffset };
  }

  /** An epoch begins at `offset` (its marker was appended or applied there); later starts are void. */
  begin(epoch: number, offset: number): void {
    const kept = this.starts.filter((start) => start.offset < offset && start.epoch < epoch);
    if (kept.length === this.starts.length && this.starts.at(-1)?.epoch === epoch) return;
    this.starts = [...kept, { epoch, offset }];
    this.save();
  }

  /** The log was replaced by a snapshot at `offset` of a history of `epoch`: only that start remains. */
  reset(epoch: number, offset: number): void {
    this.starts = [{ epoch, offset }];
    this.save();
  }

  /** Drops starts past the log's end (a marker recorded before its entry was durable, then a crash). */
  trimTo(lastOffset: number): void {
    const kept = this.starts.filter((start) => start.offset <= lastOffset);
    if (kept.length === this.starts.length) return;
    this.starts = kept;
    this.save();
  }

  private save(): void {
    const dir = this.dir;
    if (dir === undefined) return;
    const path = join(dir, FILE);
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, JSON.stringify({ starts: this.starts }));
    for (const target of [temporary, dir]) {
      const handle = openSync(target, 'r');
      try {
        fsyncSync(handle);
      } finally {
        closeSync(handle);
      }
      if (target === temporary) renameSync(temporary, path);
    }
  }
}

/** The epoch a history id names (`e<epoch>-…`, see historyIdFor); 0 for the regions.yaml primary's. */
export function epochOfHistory(replicationId: string): number {
  const match = /^e(\d+)-/.exec(replicationId);
  return match === null ? 0 : Number(match[1]);
}
