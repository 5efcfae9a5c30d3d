import { DecimalHistogram } from './decimal-histogram.js';

/** A PUBLISH of the workload, kept one by one only until it is final (PubsubLog). */
export interface OpenMessage {
  readonly sentMs: number;
  /** NaN until committed (a publish that never reached the primary stays NaN). */
  commitMs: number;
  /** Its log offset, 0 until committed. */
  offset: number;
  readonly measured: boolean;
  /** When each region's subscriber received it (by region index), NaN until then; the first receipt counts. */
  readonly receivedMs: Float64Array;
  /** Regions whose subscriber has not received it yet. */
  pending: number;
}

/**
 * Significant digits of the delivery figures, as of the read and write latencies: a run's few thousand
 * messages spread thinly over the buckets, and at four digits each of the ~90 pages a time can fall in
 * became an array of 4 KB after a few values (up to ~3.6 MB for five regions' two figures); at three,
 * one page covers a decade.
 */
const PUBSUB_DIGITS = 3;

/**
 * The workload's pub/sub messages. A message is kept one by one while it is open; once committed
 * and received in every region (or at the end of the run, `finish`) it is folded into per-region
 * histograms of its delivery (commit → received) and end-to-end (sent → received) times, of 3
 * significant digits as the latencies are, and forgotten: a run's memory does not grow with the number
 * of messages it published (a record and a time per region for each, ~270 bytes, kept to the end
 * before). Only messages committed while measured count in the figures; an unmeasured one is
 * tracked the same way, so that it is forgotten too.
 */
export class PubsubLog {
  private readonly open = new Map<number, OpenMessage>();
  private readonly regionIndex = new Map<string, number>();
  private readonly deliveryMs: DecimalHistogram[];
  private readonly endToEndMs: DecimalHistogram[];
  private readonly delivered: number[];
  private lastId = 0;
  /** Measured messages issued, and those of them committed (folded so far). */
  private measuredIssued = 0;
  private published = 0;

  constructor(readonly regionNames: readonly string[]) {
    regionNames.forEach((region, i) => this.regionIndex.set(region, i));
    this.deliveryMs = regionNames.map(() => new DecimalHistogram(PUBSUB_DIGITS));
    this.endToEndMs = regionNames.map(() => new DecimalHistogram(PUBSUB_DIGITS));
    this.delivered = regionNames.map(() => 0);
  }

  /** A new message, sent at `sentMs`; returns its id (1, 2, …). */
  issue(sentMs: number, measured: boolean): number {
    const id = ++this.lastId;
    if (measured) this.measuredIssued++;
    const receivedMs = new Float64Array(this.regionNames.length).fill(Number.NaN);
    this.open.set(id, { sentMs, commitMs: Number.NaN, offset: 0, measured, receivedMs, pending: receivedMs.length });
    return id;
  }

  /** Messages not final yet (kept one by one). */
  get openCount(): number {
    return this.open.size;
  }

  /** Measured messages issued (committed or not). */
  get issued(): number {
    return this.measuredIssued;
  }

  /** Message `id` while it is open (issued and not yet final), else undefined. */
  message(id: number): OpenMessage | undefined {
    return this.open.get(id);
  }

  committed(id: number, offset: number, atMs: number): void {
    const message = this.open.get(id);
    if (message === undefined) return;
    message.commitMs = atMs;
    message.offset = offset;
    if (message.pending === 0) this.fold(id, message);
  }

  /** `region`'s subscriber received message `id` at `atMs` (a later receipt of it is not counted). */
  received(region: string, id: number, atMs: number): void {
    const message = this.open.get(id);
    const index = this.regionIndex.get(region);
    if (message === undefined || index === undefined || !Number.isNaN(message.receivedMs[index] as number)) return;
    message.receivedMs[index] = atMs;
    if (--message.pending === 0 && !Number.isNaN(message.commitMs)) this.fold(id, message);
  }

  /** When `region`'s subscriber received open message `id` (NaN: not yet, or the message is final). */
  receivedAt(region: string, id: number): number {
    const index = this.regionIndex.get(region);
    const message = this.open.get(id);
    return index === undefined || message === undefined ? Number.NaN : (message.receivedMs[index] as number);
  }

  /** Folds every message still open: a region that has not received one by now lost it. */
  finish(): void {
    for (const [id, message] of this.open) this.fold(id, message);
  }

  /**
   * `region`'s figures: the messages committed, how many it received, their delivery and end-to-end
   * times. Ends the log first (`finish`): for the summary, once the run is over.
   */
  figuresOf(region: string): {
    published: number;
    delivered: number;
    deliveryMs: DecimalHistogram;
    endToEndMs: DecimalHistogram;
  } {
    this.finish();
    const index = this.regionIndex.get(region);
    if (index === undefined) {
      return {
        published: this.published,
        delivered: 0,
        deliveryMs: new DecimalHistogram(PUBSUB_DIGITS),
        endToEndMs: new DecimalHistogram(PUBSUB_DIGITS),
      };
    }
    return {
      published: this.published,
      delivered: this.delivered[index] as number,
      deliveryMs: this.deliveryMs[index] as DecimalHistogram,
      endToEndMs: this.endToEndMs[index] as DecimalHistogram,
    };
  }

  private fold(id: number, message: OpenMessage): void {
    this.open.delete(id);
    if (!message.measured || Number.isNaN(message.commitMs)) return;
    this.published++;
    const received = message.receivedMs;
    for (let i = 0; i < received.length; i++) {
      const atMs = received[i] as number;
      if (Number.isNaN(atMs)) continue;
      this.delivered[i] = (this.delivered[i] as number) + 1;
      (this.deliveryMs[i] as DecimalHistogram).push(atMs - message.commitMs);
      (this.endToEndMs[i] as DecimalHistogram).push(atMs - message.sentMs);
    }
  }
}
