import { GrowableArray } from './growable.js';

export interface ReadCell {
  reads: number;
  failed: number;
  stale: number;
  readYourWritesViolations: number;
  monotonicViolations: number;
  /** Reads answered by the primary (strong, fallback after a sync wait, bounded fallback). */
  servedByPrimary: number;
  latenciesMs: number[];
}

export interface WriteCell {
  writes: number;
  failed: number;
  latenciesMs: number[];
}

function readCell(): ReadCell {
  return {
    reads: 0,
    failed: 0,
    stale: 0,
    readYourWritesViolations: 0,
    monotonicViolations: 0,
    servedByPrimary: 0,
    latenciesMs: [],
  };
}

/** Raw measurements of a run; summary.ts turns them into figures. */
export class Recorder {
  /** Exact commit time of each offset. */
  readonly commitMs = new GrowableArray();
  readonly receivedMs = new Map<string, GrowableArray>();
  readonly appliedMs = new Map<string, GrowableArray>();
  readonly reads = new Map<string, ReadCell>();
  readonly writes = new Map<string, WriteCell>();
  readonly failures = new Map<string, number>();
  /** Offsets committed between the start and the end of the workload. */
  firstOffset = Infinity;
  lastOffset = 0;

  constructor(readonly replicaRegions: readonly string[]) {
    for (const region of replicaRegions) {
      this.receivedMs.set(region, new GrowableArray());
      this.appliedMs.set(region, new GrowableArray());
    }
  }

  committed(offset: number, atMs: number): void {
    this.commitMs.set(offset, atMs);
    this.firstOffset = Math.min(this.firstOffset, offset);
    this.lastOffset = Math.max(this.lastOffset, offset);
  }

  applied(region: string, offset: number, receivedAtMs: number, appliedAtMs: number): void {
    const applied = this.appliedMs.get(region);
    if (applied === undefined || !Number.isNaN(applied.get(offset))) return;
    applied.set(offset, appliedAtMs);
    this.receivedMs.get(region)?.set(offset, receivedAtMs);
  }

  read(clientRegion: string, level: string): ReadCell {
    const key = `${clientRegion}|${level}`;
    let cell = this.reads.get(key);
    if (cell === undefined) {
      cell = readCell();
      this.reads.set(key, cell);
    }
    return cell;
  }

  write(clientRegion: string): WriteCell {
    let cell = this.writes.get(clientRegion);
    if (cell === undefined) {
      cell = { writes: 0, failed: 0, latenciesMs: [] };
      this.writes.set(clientRegion, cell);
    }
    return cell;
  }

  failure(reason: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }
}
