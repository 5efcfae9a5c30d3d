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

/** One pub/sub message of the workload: when its publisher sent it and when the primary committed it. */
export interface MessageRecord {
  /** The publisher's region. */
  region: string;
  sentMs: number;
  /** NaN until committed (a publish that never reached the primary stays NaN). */
  commitMs: number;
  offset: number;
  measured: boolean;
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
  /** Offsets that carry a PUBLISH rather than a write (1), so lag figures cover writes only. */
  readonly messageOffsets = new GrowableArray(0);
  /** Pub/sub messages by id (id 1 at index 0). */
  readonly messages: MessageRecord[] = [];
  /** Per region: when its subscriber received each message (by message id). */
  readonly deliveredMs = new Map<string, GrowableArray>();
  /** Offsets committed between the start and the end of the workload. */
  firstOffset = Infinity;
  lastOffset = 0;

  constructor(
    readonly replicaRegions: readonly string[],
    readonly regionNames: readonly string[],
  ) {
    for (const region of regionNames) this.deliveredMs.set(region, new GrowableArray());
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

  /** A PUBLISH committed at `offset`: not a write, left out of the lag figures. */
  messageCommitted(messageId: number, offset: number, atMs: number): void {
    this.messageOffsets.set(offset, 1);
    const message = this.messages[messageId - 1];
    if (message === undefined) return;
    message.commitMs = atMs;
    message.offset = offset;
  }

  /** The first receipt of a message by the subscriber in `region` counts. */
  delivered(region: string, messageId: number, atMs: number): void {
    const series = this.deliveredMs.get(region);
    if (series !== undefined && Number.isNaN(series.get(messageId))) series.set(messageId, atMs);
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
