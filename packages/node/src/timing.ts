/**
 * Opt-in timing headers: a request carrying `x-meridian-timing: 1` gets, in its answer, this node's
 * own time for the entry it concerns, in epoch milliseconds with µs resolution (the node's clock,
 * `performance.timeOrigin + performance.now()`, aligned on the wall clock: wallClockCorrectionMs).
 * The primary answers a write with the time it committed it (`x-meridian-committed-at`); a replica
 * answers a read with the time it applied the entry its sync token names, the one a `session` read
 * waited for (`x-meridian-applied-at`). Their difference is the replication lag measured by the
 * nodes, not through a client's HTTP path; it needs the hosts' clocks synchronised (one machine:
 * the same clock).
 *
 * Nothing is recorded until a timing request arrives: the first one arms a bounded ring of recent
 * (offset, time) pairs, and it stays armed while timing requests keep coming (TIMING_ARMED_MS after
 * the last one). An entry recorded before arming, or pushed out of the ring, has no time.
 */
export const TIMING_HEADER = 'x-meridian-timing';
export const COMMITTED_AT_HEADER = 'x-meridian-committed-at';
export const APPLIED_AT_HEADER = 'x-meridian-applied-at';

/** Recent entries whose times are kept (a ring indexed by offset). */
export const TIMING_ENTRIES_MAX = 8192;
/** How long the ring stays armed after the last timing request. */
export const TIMING_ARMED_MS = 60_000;

/** Starts recording (offset, time) pairs into `record`; returns what stops it. */
export type TimingSource = (record: (offset: number, atMs: number) => void) => () => void;

/** One node's recent commit (primary) or apply (replica) times, recorded only while armed. */
export class RecentTimes {
  private readonly offsets = new Float64Array(TIMING_ENTRIES_MAX).fill(-1);
  private readonly timesMs = new Float64Array(TIMING_ENTRIES_MAX);
  private armedUntilMs = -Infinity;
  private stop: (() => void) | undefined;

  constructor(
    private readonly source: TimingSource,
    private readonly nowMs: () => number,
  ) {}

  /** A timing request: arms (or keeps armed) the ring; the time of `offset`, when recorded. */
  timeOf(offset: number): number | undefined {
    this.armedUntilMs = this.nowMs() + TIMING_ARMED_MS;
    this.stop ??= this.source((recorded, atMs) => this.record(recorded, atMs));
    const slot = offset % TIMING_ENTRIES_MAX;
    return offset > 0 && this.offsets[slot] === offset ? this.timesMs[slot] : undefined;
  }

  /** Stops recording (the node closes). */
  close(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private record(offset: number, atMs: number): void {
    if (atMs > this.armedUntilMs) {
      this.close();
      return;
    }
    const slot = offset % TIMING_ENTRIES_MAX;
    this.offsets[slot] = offset;
    this.timesMs[slot] = atMs;
  }
}

/** Ticks of Date.now() looked at to align the clock, at least (each waits up to a millisecond, once per process). */
const WALL_CLOCK_EDGES = 5;
/** …and at most, while no tick was caught between two reads this close (WALL_CLOCK_GAP_GOOD_MS). */
const WALL_CLOCK_EDGES_MAX = 60;
/** Reads around a tick this close bound the alignment's error to it. */
const WALL_CLOCK_GAP_GOOD_MS = 0.02;

/**
 * How far the wall clock is ahead of `performance.timeOrigin + performance.now()` (the node clock).
 * Node takes its time origin once at start-up, and processes started together on a busy machine had
 * origins up to 1.7 ms apart, off by as much as the lags measured between them. This catches the
 * moments Date.now() ticks to its next millisecond (the wall clock exactly then) and keeps the
 * tightest: its error is at most the time between the two reads around the tick. A process that is
 * preempted around every tick it looks at (a node aligning itself while its neighbours warm up) keeps
 * looking, up to WALL_CLOCK_EDGES_MAX ticks: with five, a calibration once measured a tenth of its
 * commit → applied paths below zero.
 */
export function wallClockCorrectionMs(nowMs: () => number = () => performance.timeOrigin + performance.now()): number {
  let bestGapMs = Infinity;
  let correctionMs = 0;
  for (let edge = 0; edge < WALL_CLOCK_EDGES_MAX; edge++) {
    if (edge >= WALL_CLOCK_EDGES && bestGapMs <= WALL_CLOCK_GAP_GOOD_MS) break;
    let previousMs = nowMs();
    let previousWallMs = Date.now();
    for (;;) {
      const atMs = nowMs();
      const wallMs = Date.now();
      if (wallMs !== previousWallMs) {
        // The tick came between the previous read and this one: the tighter the reads around it
        // (no preemption between them), the better the estimate.
        const gapMs = nowMs() - previousMs;
        if (gapMs < bestGapMs) {
          bestGapMs = gapMs;
          correctionMs = wallMs - atMs;
        }
        break;
      }
      previousMs = atMs;
      previousWallMs = wallMs;
    }
  }
  return correctionMs;
}

let correction: number | undefined;

/** The node clock's reading `atMs` as wall-clock epoch ms (aligned once per process, when first asked). */
export function wallClockMs(atMs: number): number {
  correction ??= wallClockCorrectionMs();
  return atMs + correction;
}

/** The header value: the node clock's `atMs` as wall-clock epoch ms with µs resolution. */
export function timingText(atMs: number): string {
  return wallClockMs(atMs).toFixed(3);
}

/** The offset a sync token header names (`<replicationId>:<offset>`); undefined when unparsable. */
export function tokenOffset(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const offset = Number(token.slice(token.lastIndexOf(':') + 1));
  return Number.isSafeInteger(offset) && offset > 0 ? offset : undefined;
}

/**
 * Adds the timing header to the answer of a timing request: at the primary the commit time of the
 * entry the answer's sync token names (a write's own); at a replica the apply time of the entry the
 * request's sync token names (what a `session` read waited for), else of the answer's.
 */
export function stampTiming(
  role: { commitTimes: RecentTimes } | { appliedTimes: RecentTimes },
  headers: Record<string, string>,
  requestOffset: number | undefined,
): void {
  const answerOffset = tokenOffset(headers['upstash-sync-token']);
  if ('commitTimes' in role) {
    const atMs = role.commitTimes.timeOf(answerOffset ?? 0);
    if (atMs !== undefined) headers[COMMITTED_AT_HEADER] = timingText(atMs);
    return;
  }
  const atMs = role.appliedTimes.timeOf(requestOffset ?? answerOffset ?? 0);
  if (atMs !== undefined) headers[APPLIED_AT_HEADER] = timingText(atMs);
}
