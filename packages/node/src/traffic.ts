import { type ByteString, findCommand } from '@meridian/engine';

/** The `traffic` part of `/_meridian/status`: what this node answered over the last few seconds. */
export interface TrafficView {
  /** Commands answered per second (a pipeline of 100 counts 100), over `windowMs`. */
  commandsPerSecond: number;
  /** Every command answered since start. */
  commandsTotal: number;
  /** Read-only requests answered per second over `windowMs`. */
  readsPerSecond: number;
  /** Latency of read-only requests inside the node (parse → answer, sync-token waits included), over `windowMs`. */
  readLatencyMs: { p50: number | null; p99: number | null; samples: number };
  /** The span the figures cover (up to TRAFFIC_WINDOW_MS; shorter just after start). */
  windowMs: number;
}

/** How far back the figures look, and the granularity at which old traffic leaves the window. */
export const TRAFFIC_WINDOW_MS = 5_000;
const SLOT_MS = 1_000;
const SLOTS = TRAFFIC_WINDOW_MS / SLOT_MS + 1;
/** Latency buckets: 4 per doubling from 1 µs, so a percentile is within ≈ 19 % of the true value. */
const BUCKETS_PER_DOUBLING = 4;
const BUCKETS = 128;
const BUCKET_FLOOR_MS = 0.001;

interface Slot {
  startMs: number;
  commands: number;
  reads: number;
  readonly histogram: Uint32Array;
}

function bucketOf(latencyMs: number): number {
  if (!(latencyMs > BUCKET_FLOOR_MS)) return 0;
  const bucket = Math.floor(Math.log2(latencyMs / BUCKET_FLOOR_MS) * BUCKETS_PER_DOUBLING);
  return bucket >= BUCKETS ? BUCKETS - 1 : bucket;
}

/** The geometric middle of a bucket, in ms (rounded to µs). */
function bucketMiddleMs(bucket: number): number {
  const ms = BUCKET_FLOOR_MS * 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING);
  return Math.round(ms * 1000) / 1000;
}

/** True when every command of the request only reads (Redis's `readonly` flag). */
export function isReadOnlyRequest(commands: readonly (readonly ByteString[])[]): boolean {
  for (const argv of commands) {
    const name = argv[0];
    if (name === undefined || findCommand(name)?.isReadonly !== true) return false;
  }
  return commands.length > 0;
}

/**
 * Commands per second and read latency percentiles over a sliding window of one-second slots, each
 * with a fixed log-bucket histogram: recording is a few array writes, memory is constant.
 */
export class TrafficStats {
  private readonly slots: Slot[] = [];
  private commandsTotal = 0;
  private readonly startedMs: number;

  constructor(private readonly nowMs: () => number) {
    this.startedMs = nowMs();
    for (let i = 0; i < SLOTS; i++)
      this.slots.push({ startMs: -Infinity, commands: 0, reads: 0, histogram: new Uint32Array(BUCKETS) });
  }

  now(): number {
    return this.nowMs();
  }

  /** One answered request of `commands` commands; `readLatencyMs` when it only read. */
  record(commands: number, readLatencyMs: number | undefined, atMs: number = this.nowMs()): void {
    const slot = this.slotAt(atMs);
    slot.commands += commands;
    this.commandsTotal += commands;
    if (readLatencyMs === undefined) return;
    slot.reads++;
    (slot.histogram[bucketOf(readLatencyMs)] as number)++;
  }

  view(atMs: number = this.nowMs()): TrafficView {
    const fromMs = atMs - TRAFFIC_WINDOW_MS;
    let commands = 0;
    let reads = 0;
    const histogram = new Uint32Array(BUCKETS);
    for (const slot of this.slots) {
      if (slot.startMs + SLOT_MS <= fromMs || slot.startMs > atMs) continue;
      commands += slot.commands;
      reads += slot.reads;
      for (let i = 0; i < BUCKETS; i++) histogram[i] = (histogram[i] as number) + (slot.histogram[i] as number);
    }
    const windowMs = Math.max(1, Math.min(TRAFFIC_WINDOW_MS, atMs - this.startedMs));
    const perSecond = (count: number): number => Math.round((count * 1000 * 10) / windowMs) / 10;
    return {
      commandsPerSecond: perSecond(commands),
      commandsTotal: this.commandsTotal,
      readsPerSecond: perSecond(reads),
      readLatencyMs: {
        p50: percentile(histogram, reads, 0.5),
        p99: percentile(histogram, reads, 0.99),
        samples: reads,
      },
      windowMs: Math.round(windowMs),
    };
  }

  private slotAt(atMs: number): Slot {
    const startMs = Math.floor(atMs / SLOT_MS) * SLOT_MS;
    const slot = this.slots[Math.floor(startMs / SLOT_MS) % SLOTS] as Slot;
    if (slot.startMs !== startMs) {
      slot.startMs = startMs;
      slot.commands = 0;
      slot.reads = 0;
      slot.histogram.fill(0);
    }
    return slot;
  }
}

function percentile(histogram: Uint32Array, count: number, quantile: number): number | null {
  if (count === 0) return null;
  const rank = Math.max(1, Math.ceil(count * quantile));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i] as number;
    if (seen >= rank) return bucketMiddleMs(i);
  }
  return bucketMiddleMs(BUCKETS - 1);
}
