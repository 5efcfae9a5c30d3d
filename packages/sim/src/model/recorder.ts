import { DecimalHistogram } from './decimal-histogram.js';
import { GrowableArray } from './growable.js';
import { PubsubLog } from './pubsub-log.js';
import type { ExperimentOptions } from '../options.js';
import { quantile } from '../stats.js';

export interface ReadCell {
  reads: number;
  failed: number;
  stale: number;
  readYourWritesViolations: number;
  monotonicViolations: number;
  /** Reads answered by the primary (strong, fallback after a sync wait, bounded fallback). */
  servedByPrimary: number;
  latenciesMs: DecimalHistogram;
}

export interface WriteCell {
  writes: number;
  failed: number;
  latenciesMs: DecimalHistogram;
}

function readCell(): ReadCell {
  return {
    reads: 0,
    failed: 0,
    stale: 0,
    readYourWritesViolations: 0,
    monotonicViolations: 0,
    servedByPrimary: 0,
    latenciesMs: new DecimalHistogram(LATENCY_DIGITS),
  };
}

/**
 * Significant digits of the latency histograms (0.1 %: there are many cells, each over a wide span)
 * and of the replicas' lag histograms (0.01 %: the experiment's subject, two per replica).
 */
export const LATENCY_DIGITS = 3;
export const LAG_DIGITS = 4;

/** What a simulated run folds its replication lags into (live mode records none of it). */
export interface LagRecording {
  /** Simulated time the workload starts at: lag over time is bucketed from there. */
  workloadStartMs: number;
  durationMs: number;
  lagBucketMs: number;
  /**
   * Keep every entry's commit time for the whole run (8 B per entry, 16 with the PUBLISH marks): the
   * partition prediction (partition-visibility.ts) places each write against the fault schedule.
   */
  keepCommitTimes: boolean;
}

/** A simulated run's lag recording; commit times are kept whole only if a partition cuts a replica off the primary. */
export function lagRecordingOf(options: ExperimentOptions, workloadStartMs: number): LagRecording {
  const primary = options.topology.primary;
  return {
    workloadStartMs,
    durationMs: options.durationMs,
    lagBucketMs: options.lagBucketMs,
    keepCommitTimes: options.faults.some(
      (fault) => fault.kind === 'partition' && fault.durationMs !== 0 && fault.regions.includes(primary),
    ),
  };
}

/** Lag over time in one bucket of commit times, for one replica. */
export interface LagBucket {
  p50: number;
  p99: number;
  /** Of the applied writes (0 when none). */
  max: number;
  applied: number;
}

/**
 * One replica's lags, folded in as it applies each write (in log order, once): distributions of
 * commit → applied and commit → received, and lag over time, where a bucket of commit times is
 * summarised exactly (its lags sorted) once the replica has applied past it.
 */
export class ReplicaLags {
  readonly appliedLagMs = new DecimalHistogram(LAG_DIGITS);
  readonly receivedLagMs = new DecimalHistogram(LAG_DIGITS);
  /** Lag over time by bucket index; an index with no applied write has none. */
  readonly buckets: (LagBucket | undefined)[] = [];
  /** The highest offset this replica applied (first applies only count). */
  appliedUpTo = 0;
  private openBucket = -1;
  private openLagsMs: number[] = [];

  add(appliedLagMs: number, receivedLagMs: number, bucket: number): void {
    this.appliedLagMs.push(appliedLagMs);
    this.receivedLagMs.push(receivedLagMs);
    if (bucket < 0) return;
    if (bucket !== this.openBucket) {
      this.closeBucket();
      this.openBucket = bucket;
    }
    this.openLagsMs.push(appliedLagMs);
  }

  /** Summarises the bucket still open (at the end of the run; later lags would open it again). */
  closeBucket(): void {
    if (this.openBucket < 0 || this.openLagsMs.length === 0) return;
    const sorted = Float64Array.from(this.openLagsMs).sort();
    this.buckets[this.openBucket] = {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted[sorted.length - 1] as number,
      applied: sorted.length,
    };
    this.openLagsMs = [];
    this.openBucket = -1;
  }
}

/**
 * Commit times of the offsets some replica has not applied yet (and PUBLISH marks), in a ring that
 * drops an offset once every replica has applied it: its size follows the replicas' backlog, not the
 * run's length.
 */
class OpenOffsets {
  private commitMs = new Float64Array(1024);
  private message = new Uint8Array(1024);
  /** The offset at `head`. */
  first = 1;
  private head = 0;
  length = 0;

  /** Commit time of `offset` (NaN if it was never committed or has been dropped). */
  commitOf(offset: number): number {
    const i = offset - this.first;
    if (i < 0 || i >= this.length) return Number.NaN;
    return this.commitMs[(this.head + i) & (this.commitMs.length - 1)] as number;
  }

  isMessage(offset: number): boolean {
    const i = offset - this.first;
    if (i < 0 || i >= this.length) return false;
    return this.message[(this.head + i) & (this.message.length - 1)] === 1;
  }

  /** Records `offset` (after every one before it; offsets skipped in between read as never committed). */
  committed(offset: number, atMs: number): void {
    if (this.length === 0) this.first = offset;
    while (this.first + this.length <= offset) {
      if (this.length === this.commitMs.length) this.grow();
      const slot = (this.head + this.length) & (this.commitMs.length - 1);
      this.commitMs[slot] = this.first + this.length === offset ? atMs : Number.NaN;
      this.message[slot] = 0;
      this.length++;
    }
  }

  markMessage(offset: number): void {
    const i = offset - this.first;
    if (i >= 0 && i < this.length) this.message[(this.head + i) & (this.message.length - 1)] = 1;
  }

  /** Drops the offsets up to `offset`. */
  dropUpTo(offset: number): void {
    const count = Math.min(this.length, offset - this.first + 1);
    if (count <= 0) return;
    this.head = (this.head + count) & (this.commitMs.length - 1);
    this.first += count;
    this.length -= count;
  }

  private grow(): void {
    const capacity = this.commitMs.length * 2;
    const commitMs = new Float64Array(capacity);
    const message = new Uint8Array(capacity);
    for (let i = 0; i < this.length; i++) {
      const slot = (this.head + i) & (this.commitMs.length - 1);
      commitMs[i] = this.commitMs[slot] as number;
      message[i] = this.message[slot] as number;
    }
    this.commitMs = commitMs;
    this.message = message;
    this.head = 0;
  }
}

/** Every entry's commit time and PUBLISH mark, for the whole run (LagRecording.keepCommitTimes). */
export interface CommitTimes {
  commitMs: GrowableArray;
  /** 1 at offsets that carry a PUBLISH. */
  messageOffsets: GrowableArray;
}

/** Offsets committed between two drops of the offsets every replica has applied. */
const DROP_EVERY_COMMITS = 256;

/**
 * A run's measurements, folded into summaries as they become final (summary.ts turns them into
 * figures): per replica its lags (ReplicaLags), per client cell its latencies (DecimalHistogram);
 * only the offsets not yet applied everywhere are kept one by one.
 */
export class Recorder {
  /** Per replica region (in simulated runs). */
  readonly lags = new Map<string, ReplicaLags>();
  /** Writes (PUBLISHes left out) committed per bucket of lag over time. */
  readonly writesPerBucket: Int32Array;
  /** Set when LagRecording.keepCommitTimes asks for them. */
  readonly commitTimes: CommitTimes | undefined;
  readonly reads = new Map<string, ReadCell>();
  readonly writes = new Map<string, WriteCell>();
  readonly failures = new Map<string, number>();
  /** Offsets committed that carry a PUBLISH (left out of the lag figures). */
  messagesCommitted = 0;
  /** The workload's pub/sub messages, folded into figures as they become final. */
  readonly pubsub: PubsubLog;
  /** Offsets committed between the start and the end of the workload. */
  firstOffset = Infinity;
  lastOffset = 0;

  private readonly open = new OpenOffsets();
  private readonly replicaLags: ReplicaLags[] = [];
  private commitsSinceDrop = 0;

  constructor(
    readonly replicaRegions: readonly string[],
    readonly regionNames: readonly string[],
    private readonly recording?: LagRecording,
  ) {
    this.pubsub = new PubsubLog(regionNames);
    this.writesPerBucket = new Int32Array(
      recording === undefined ? 0 : Math.ceil(recording.durationMs / recording.lagBucketMs),
    );
    if (recording === undefined) return;
    for (const region of replicaRegions) {
      const lags = new ReplicaLags();
      this.lags.set(region, lags);
      this.replicaLags.push(lags);
    }
    if (recording.keepCommitTimes)
      this.commitTimes = { commitMs: new GrowableArray(), messageOffsets: new GrowableArray(0) };
  }

  committed(offset: number, atMs: number): void {
    this.firstOffset = Math.min(this.firstOffset, offset);
    this.lastOffset = Math.max(this.lastOffset, offset);
    if (this.recording === undefined) return;
    this.open.committed(offset, atMs);
    this.commitTimes?.commitMs.set(offset, atMs);
    const bucket = this.bucketOf(atMs);
    if (bucket >= 0) this.writesPerBucket[bucket] = (this.writesPerBucket[bucket] as number) + 1;
    if (++this.commitsSinceDrop >= DROP_EVERY_COMMITS) this.dropApplied();
  }

  /** A PUBLISH committed at `offset`: not a write, left out of the lag figures. */
  messageCommitted(messageId: number, offset: number, atMs: number): void {
    this.messagesCommitted++;
    if (this.recording !== undefined && !this.open.isMessage(offset)) {
      this.open.markMessage(offset);
      this.commitTimes?.messageOffsets.set(offset, 1);
      const bucket = this.bucketOf(this.open.commitOf(offset));
      if (bucket >= 0) this.writesPerBucket[bucket] = (this.writesPerBucket[bucket] as number) - 1;
    }
    this.pubsub.committed(messageId, offset, atMs);
  }

  /** The first receipt of a message by the subscriber in `region` counts. */
  delivered(region: string, messageId: number, atMs: number): void {
    this.pubsub.received(region, messageId, atMs);
  }

  /** A replica applied `offset` (in log order; a restart's re-applies are ignored): its lags are final. */
  applied(region: string, offset: number, receivedAtMs: number, appliedAtMs: number): void {
    const lags = this.lags.get(region);
    if (lags === undefined || offset <= lags.appliedUpTo) return;
    lags.appliedUpTo = offset;
    const commitMs = this.open.commitOf(offset);
    if (Number.isNaN(commitMs) || this.open.isMessage(offset)) return;
    lags.add(appliedAtMs - commitMs, receivedAtMs - commitMs, this.bucketOf(commitMs));
  }

  /** Writes of the workload (offsets from the first to the last committed, PUBLISHes left out). */
  writesCommitted(): number {
    return Number.isFinite(this.firstOffset) ? this.lastOffset - this.firstOffset + 1 - this.messagesCommitted : 0;
  }

  /** Ends the lag figures: summarises the lag-over-time buckets still open. */
  finish(): void {
    for (const lags of this.replicaLags) lags.closeBucket();
  }

  private bucketOf(commitMs: number): number {
    const recording = this.recording;
    if (recording === undefined || Number.isNaN(commitMs)) return -1;
    const bucket = Math.floor((commitMs - recording.workloadStartMs) / recording.lagBucketMs);
    return bucket < this.writesPerBucket.length ? bucket : -1;
  }

  private dropApplied(): void {
    this.commitsSinceDrop = 0;
    // The newest offset stays: a PUBLISH is marked just after its commit.
    let upTo = this.lastOffset - 1;
    for (const lags of this.replicaLags) upTo = Math.min(upTo, lags.appliedUpTo);
    this.open.dropUpTo(upTo);
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
      cell = { writes: 0, failed: 0, latenciesMs: new DecimalHistogram(LATENCY_DIGITS) };
      this.writes.set(clientRegion, cell);
    }
    return cell;
  }

  failure(reason: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }
}
