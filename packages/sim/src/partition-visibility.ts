import { assert } from '@meridian/engine';
import { LinkModel, type LinkSettings, SeededRandom } from '@meridian/lag';
import {
  ENTRIES_PER_FRAME_MAX_DEFAULT,
  RECONNECT_DELAY_MS_MAX_DEFAULT,
  RECONNECT_DELAY_MS_MIN_DEFAULT,
} from '@meridian/replication';
import type { FaultSpec } from './faults.js';
import type { SimulationOutcome } from './model/simulation.js';

/** A partition between the primary and one replica, in simulated ms: the links drop over [startMs, healMs). */
export interface PartitionWindow {
  startMs: number;
  /** Undefined: the partition never heals. */
  healMs: number | undefined;
}

/** The replica's reconnect backoff: the k-th reconnect in a row waits U[cap/2, cap), cap = min(max, min·2^k). */
export interface ReconnectBackoff {
  delayMsMin: number;
  delayMsMax: number;
}

/** The replication path between the primary and a replica, both ways, as a partition's catch-up uses it. */
export interface ReplicationPath {
  /** Primary → replica: entries, the welcome and the catch-up frames. */
  forward: Readonly<LinkSettings>;
  /** Replica → primary: the hello that starts the catch-up. */
  reverse: Readonly<LinkSettings>;
  backoff: ReconnectBackoff;
  /** A backlog goes as frames of this many entries; an entry waits for every frame before its own. */
  entriesPerFrameMax: number;
}

/**
 * Probability mass left out at the end of a tabulated distribution: far below the 0.02 the curve is
 * held to, and short enough that a heavy tail (Pareto jitter) does not make the tables and their
 * convolutions quadratic in a span of seconds on a 0.25 ms grid.
 */
const TAIL = 1e-7;
/** Longest table of a distribution on the grid (the rest of its mass goes in the last point). */
const GRID_POINTS_MAX = 40_000;

/** The partitions between `primary` and `region` in a fault schedule, in simulated ms, in start order. */
export function partitionWindows(
  faults: readonly FaultSpec[],
  primary: string,
  region: string,
  workloadStartMs: number,
): PartitionWindow[] {
  const windows: PartitionWindow[] = [];
  for (const fault of faults) {
    if (fault.kind !== 'partition' || fault.durationMs === 0) continue;
    const [a, b] = fault.regions;
    if (!((a === primary && b === region) || (a === region && b === primary))) continue;
    const startMs = workloadStartMs + fault.atMs;
    windows.push({ startMs, healMs: fault.durationMs === undefined ? undefined : startMs + fault.durationMs });
  }
  return windows.sort((x, y) => x.startMs - y.startMs);
}

/**
 * The distribution of V = (first successful reconnect) − heal, for a partition of `partitionMs`, as
 * masses at 0, s, 2s … (s = `stepMs`). The replica's connection drops when the partition starts;
 * each attempt while it lasts is closed at once (the link is down) and waits the next backoff
 * step, U[cap/2, cap) with cap doubling from `delayMsMin` up to `delayMsMax`; the first attempt
 * after the heal connects. The waits are summed on the grid with trapezoid weights (exact mean).
 */
export function reconnectDelayMasses(partitionMs: number, backoff: ReconnectBackoff, stepMs: number): Float64Array {
  const healBins = partitionMs / stepMs;
  const out = new Float64Array(Math.ceil(backoff.delayMsMax / stepMs) + 2);
  let waiting = new Float64Array(Math.floor(healBins) + 1);
  waiting[0] = 1;
  let left = 1;
  for (let attempt = 0; left > TAIL; attempt++) {
    const capMs = Math.min(backoff.delayMsMax, backoff.delayMsMin * 2 ** Math.min(attempt, 30));
    const next = afterUniformWait(waiting, Math.round(capMs / 2 / stepMs), Math.max(1, Math.round(capMs / stepMs)));
    waiting = new Float64Array(waiting.length);
    left = 0;
    next.forEach((mass, bin) => {
      if (mass === 0) return;
      const afterHeal = bin - healBins;
      // An attempt that falls on the heal's grid point is half before it, half after.
      const stillDown = afterHeal < 0 ? mass : afterHeal === 0 ? mass / 2 : 0;
      if (stillDown > 0) {
        waiting[bin] = (waiting[bin] as number) + stillDown;
        left += stillDown;
      }
      const index = Math.min(out.length - 1, Math.round(Math.max(0, afterHeal)));
      if (mass > stillDown) out[index] = (out[index] as number) + mass - stillDown;
    });
  }
  return out;
}

/** Point masses at bins i moved by a wait uniform on [lo, hi] bins (trapezoid weights). */
function afterUniformWait(masses: Float64Array, lo: number, hi: number): Float64Array {
  const out = new Float64Array(masses.length + hi + 1);
  const weight = 1 / (hi - lo);
  const steps = new Float64Array(out.length + 1);
  masses.forEach((mass, i) => {
    if (mass === 0) return;
    const share = mass * weight;
    out[i + lo] = (out[i + lo] as number) + share / 2;
    out[i + hi] = (out[i + hi] as number) + share / 2;
    steps[i + lo + 1] = (steps[i + lo + 1] as number) + share;
    steps[i + hi] = (steps[i + hi] as number) - share;
  });
  let level = 0;
  for (let k = 0; k < out.length; k++) {
    level += steps[k] as number;
    out[k] = (out[k] as number) + level;
  }
  return out;
}

/** P(X ∈ [k·s − s/2, k·s + s/2)) for k = 0, 1 … until less than TAIL is left (it goes in the last point). */
function gridMasses(cdf: (x: number) => number, stepMs: number): Float64Array {
  const out: number[] = [];
  let below = 0;
  for (let k = 0; k < GRID_POINTS_MAX; k++) {
    const upTo = k === GRID_POINTS_MAX - 1 || 1 - below < TAIL ? 1 : Math.max(below, cdf((k + 0.5) * stepMs));
    out.push(upTo - below);
    below = upTo;
    if (below >= 1) break;
  }
  return Float64Array.from(out);
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  a.forEach((x, i) => {
    if (x === 0) return;
    for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + x * (b[j] as number);
  });
  return out;
}

/** The CDF of grid masses (mass k spread over [k·s − s/2, k·s + s/2)), at any point. */
function massesCdf(masses: Float64Array, stepMs: number): (x: number) => number {
  const cumulative = new Float64Array(masses.length + 1);
  masses.forEach((mass, k) => (cumulative[k + 1] = (cumulative[k] as number) + mass));
  return (x) => {
    const position = x / stepMs + 0.5;
    if (position <= 0) return 0;
    const k = Math.floor(position);
    if (k >= masses.length) return 1;
    return Math.min(1, (cumulative[k] as number) + (position - k) * (masses[k] as number));
  };
}

/** Where a jitter's CDF reaches 1 − TAIL, by doubling. */
function reachMs(cdf: (x: number) => number): number {
  let x = 1;
  while (cdf(x) < 1 - TAIL && x < 1e7) x *= 2;
  return x;
}

/**
 * Finer than the jitter (an eighth of the smaller mean), and a divisor of the backoff's 25 ms steps;
 * coarser for a heavy tail (Pareto), so its tables stay near 500 points and their convolutions
 * stay cheap.
 */
function gridStepMs(path: ReplicationPath): number {
  const jitters = [path.forward.jitter, path.reverse.jitter];
  const means = jitters.map((j) => j.meanMs).filter((m) => m > 0 && Number.isFinite(m));
  const finest = means.length === 0 ? 1 : Math.min(...means) / 8;
  const coarsest = Math.max(...jitters.map((j) => reachMs((x) => j.cdf(x)))) / 500;
  return [5, 2.5, 1, 0.5, 0.25].find((step) => step <= Math.max(Math.min(finest, 1), coarsest)) ?? 0.25;
}

/** P(H′ + M ≤ x) for an entry that waits for a number of forward draws, and the spans of H′ + M and of M. */
interface CatchUpTiming {
  cdf: (x: number) => number;
  spanMs: number;
  frameSpanMs: number;
}

/**
 * When a partition's backlog is applied: Q = heal + reverse base + forward base + H′ + M, with
 * H′ = V + X (the reconnect after the heal, then the hello's jitter on the replica → primary link)
 * and M the forward jitter the entry waits for (the welcome and every catch-up frame up to its own,
 * sent at once on a fresh ordered connection; one shared offset with per-link jitter).
 */
class CatchUp {
  /** Masses of H′ on the grid: when the primary hears the hello, after heal + reverse base. */
  readonly hello: Float64Array;
  /** helloBelow[k]: the hello's mass at points below k. */
  private readonly helloBelow: Float64Array;
  private readonly byDraws = new Map<number, CatchUpTiming>();
  private readonly heardTables = new Map<string, Float64Array>();

  constructor(
    private readonly path: ReplicationPath,
    partitionMs: number,
    readonly stepMs: number,
  ) {
    const reconnect = reconnectDelayMasses(partitionMs, path.backoff, stepMs);
    this.hello = convolve(
      reconnect,
      gridMasses((x) => path.reverse.jitter.cdf(x), stepMs),
    );
    this.helloBelow = new Float64Array(this.hello.length + 1);
    this.hello.forEach((mass, k) => (this.helloBelow[k + 1] = (this.helloBelow[k] as number) + mass));
  }

  /** Forward jitter draws an entry of backlog frame `frame` (0 first) waits for. */
  draws(frame: number): number {
    return this.path.forward.jitterMode === 'per-message' ? frame + 2 : 1;
  }

  /** P(M ≤ x): the largest of `draws` forward jitter draws. */
  frameDelay(draws: number, x: number): number {
    return this.path.forward.jitter.cdf(x) ** draws;
  }

  /** When an entry waiting for `draws` forward draws is applied, after heal + both base delays. */
  appliedBy(draws: number): CatchUpTiming {
    let applied = this.byDraws.get(draws);
    if (applied === undefined) {
      const frame = gridMasses((x) => this.frameDelay(draws, x), this.stepMs);
      const masses = convolve(this.hello, frame);
      applied = {
        cdf: massesCdf(masses, this.stepMs),
        spanMs: masses.length * this.stepMs,
        frameSpanMs: frame.length * this.stepMs,
      };
      this.byDraws.set(draws, applied);
    }
    return applied;
  }

  /**
   * Σ over hello times H′ ≤ u of P(H′) · P(M ≤ u − H′ + lagMs): the hello was heard before a write
   * u ms after the earliest hello, and the catch-up is applied by then + lagMs. Tabulated over u once
   * per (draws, lagMs), a truncated convolution; past the span of M its CDF is 1.
   */
  heardBefore(u: number, lagMs: number, draws: number): number {
    const key = `${draws}:${lagMs}`;
    let table = this.heardTables.get(key);
    if (table === undefined) this.heardTables.set(key, (table = this.heardTable(lagMs, draws)));
    const position = Math.max(0, u / this.stepMs);
    const k = Math.floor(position);
    if (k >= table.length - 1) return table[table.length - 1] as number;
    return (table[k] as number) + (position - k) * ((table[k + 1] as number) - (table[k] as number));
  }

  private heardTable(lagMs: number, draws: number): Float64Array {
    const { stepMs, hello, helloBelow } = this;
    const span = Math.max(0, Math.ceil((this.appliedBy(draws).frameSpanMs - lagMs) / stepMs));
    const frame = Float64Array.from({ length: span + 1 }, (_, j) => this.frameDelay(draws, j * stepMs + lagMs));
    const table = new Float64Array(hello.length + span + 1);
    for (let k = 0; k < table.length; k++) {
      // Hellos more than `span` points before k: M is surely in.
      let sum = helloBelow[Math.min(hello.length, Math.max(0, k - span))] as number;
      for (let i = Math.max(0, k - span); i <= Math.min(k, hello.length - 1); i++) {
        sum += (hello[i] as number) * (frame[k - i] as number);
      }
      table[k] = sum;
    }
    return table;
  }
}

/** The loaded-link curve on a fine grid, from 0 to where it is 1 − 1e−9. */
interface NormalTable {
  at(lagMs: number): number;
  spanMs: number;
}

/** At most this many evaluations of the loaded-link curve (each one is an integral). */
const NORMAL_POINTS_MAX = 2_000;

function tabulate(normal: (lagMs: number) => number, finestStepMs: number): NormalTable {
  // A heavy tail (Pareto) gets a coarser step.
  const stepMs = Math.max(finestStepMs, reachMs(normal) / NORMAL_POINTS_MAX);
  const values: number[] = [];
  for (let k = 0; k <= NORMAL_POINTS_MAX; k++) {
    const value = normal(k * stepMs);
    values.push(value);
    if (value >= 1 - TAIL) break;
  }
  const table = Float64Array.from(values);
  const spanMs = (table.length - 1) * stepMs;
  return {
    spanMs,
    at: (lagMs) => {
      if (lagMs >= spanMs) return 1;
      const position = Math.max(0, lagMs / stepMs);
      const k = Math.floor(position);
      const low = table[k] as number;
      return low + (position - k) * ((table[k + 1] ?? low) - low);
    },
  };
}

/** Number of values < x in an ascending sample. */
function countBelow(sorted: Float64Array, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Which backlog frame an entry committed at `c` goes in: its place in the backlog is the entries
 * before it expected lost in flight when the partition started (each with 1 − G(start − commit)),
 * plus those committed during the partition; the backlog ends when the primary hears the hello
 * (taken at its mean).
 */
function backlogFrames(
  entryCommitMs: Float64Array,
  startMs: number,
  helloMeanMs: number,
  normal: NormalTable,
  entriesPerFrame: number,
): (c: number) => number {
  const from = countBelow(entryCommitMs, startMs - normal.spanMs);
  const to = countBelow(entryCommitMs, startMs);
  const lostBefore = new Float64Array(to - from + 1);
  for (let i = from; i < to; i++) {
    lostBefore[i - from + 1] = (lostBefore[i - from] as number) + 1 - normal.at(startMs - (entryCommitMs[i] as number));
  }
  const place = (c: number): number =>
    c < startMs
      ? (lostBefore[Math.max(0, countBelow(entryCommitMs, c) - from)] as number)
      : (lostBefore[to - from] as number) + countBelow(entryCommitMs, c) - to;
  const lastFrame = Math.floor(place(helloMeanMs) / entriesPerFrame);
  return (c) => Math.min(lastFrame, Math.floor(place(c) / entriesPerFrame));
}

export interface PartitionPredictionInput {
  path: ReplicationPath;
  windows: readonly PartitionWindow[];
  /** Commit times of the writes the measured curve counts (unapplied ones too), ascending. */
  writeCommitMs: Float64Array;
  /** Commit times of every log entry (writes, PUBLISHes …), ascending: a write's place in a backlog. */
  entryCommitMs: Float64Array;
  /** The run's loaded-link curve G: P(lag ≤ t) of a write no partition touches. */
  normal: (lagMs: number) => number;
  gridMs: readonly number[];
}

/**
 * The t-visibility of a replica partitioned from the primary over each window: the run's writes,
 * each with its own P(lag ≤ t) given its commit time c, averaged. A write committed before the
 * start a is delivered before it with G(a − c) (else it was in flight, is dropped with the
 * connection and comes with the catch-up); one committed from a until the primary hears the
 * hello (at H) comes with the catch-up, applied at Q; one committed after H is live but waits
 * behind the catch-up: G(t)·P(Q ≤ c + t). Writes far from every window keep G(t).
 */
export function partitionedVisibility(input: PartitionPredictionInput): number[] {
  const { writeCommitMs, gridMs } = input;
  const normalAt = gridMs.map((t) => input.normal(t));
  if (writeCommitMs.length === 0 || input.windows.length === 0) return normalAt;
  const stepMs = gridStepMs(input.path);
  const normal = tabulate(input.normal, stepMs / 4);
  const excess = new Float64Array(gridMs.length);
  // Partitions of one length share their catch-up timing.
  const catchUps = new Map<number, CatchUp>();
  for (const window of input.windows) {
    const partitionMs = window.healMs === undefined ? Infinity : window.healMs - window.startMs;
    let catchUp = catchUps.get(partitionMs);
    if (catchUp === undefined && window.healMs !== undefined) {
      catchUps.set(partitionMs, (catchUp = new CatchUp(input.path, partitionMs, stepMs)));
    }
    addWindow(input, window, catchUp, normal, normalAt, excess);
  }
  return normalAt.map((g, k) => Math.min(1, Math.max(0, g + (excess[k] as number) / writeCommitMs.length)));
}

/** Adds Σ (P(lag ≤ t | c) − G(t)) over the writes one window touches to `excess`. */
function addWindow(
  input: PartitionPredictionInput,
  window: PartitionWindow,
  catchUp: CatchUp | undefined,
  normal: NormalTable,
  normalAt: readonly number[],
  excess: Float64Array,
): void {
  const { gridMs, writeCommitMs, path } = input;
  const startMs = window.startMs;
  const first = countBelow(writeCommitMs, startMs - normal.spanMs);
  const add = (k: number, p: number): void => {
    excess[k] = (excess[k] as number) + p - (normalAt[k] as number);
  };
  if (window.healMs === undefined || catchUp === undefined) {
    for (let i = first; i < writeCommitMs.length; i++) {
      const c = writeCommitMs[i] as number;
      gridMs.forEach((t, k) => add(k, c < startMs ? normal.at(Math.min(t, startMs - c)) : 0));
    }
    return;
  }
  const helloFromMs = window.healMs + path.reverse.baseDelayMs;
  const baseMs = helloFromMs + path.forward.baseDelayMs;
  let helloMeanMs = helloFromMs;
  catchUp.hello.forEach((mass, i) => (helloMeanMs += mass * i * catchUp.stepMs));
  const frameOf = backlogFrames(input.entryCommitMs, startMs, helloMeanMs, normal, path.entriesPerFrameMax);
  for (let i = first; i < writeCommitMs.length; i++) {
    const c = writeCommitMs[i] as number;
    const draws = catchUp.draws(frameOf(c));
    const applied = catchUp.appliedBy(draws);
    if (c >= baseMs + applied.spanMs) break;
    gridMs.forEach((t, k) => {
      const byCatchUp = applied.cdf(c + t - baseMs);
      if (c < startMs) {
        const before = normal.at(startMs - c);
        add(k, normal.at(Math.min(t, startMs - c)) + (1 - before) * byCatchUp);
      } else if (c < helloFromMs) {
        add(k, byCatchUp);
      } else {
        const behind = 1 - (normalAt[k] as number);
        const heard = behind > 1e-12 ? catchUp.heardBefore(c - helloFromMs, t - path.forward.baseDelayMs, draws) : 0;
        add(k, byCatchUp - behind * heard);
      }
    });
  }
}

/** The simulator's replicas use the replication package's default backoff. */
export const SIM_RECONNECT_BACKOFF: ReconnectBackoff = {
  delayMsMin: RECONNECT_DELAY_MS_MIN_DEFAULT,
  delayMsMax: RECONNECT_DELAY_MS_MAX_DEFAULT,
};

/**
 * A replica's predicted curve over `gridMs`: `normal` (the loaded link) when the fault schedule
 * never partitions it from the primary, else `partitionedVisibility` over the run's writes.
 */
export function predictedVisibilityCurve(
  outcome: SimulationOutcome,
  region: string,
  gridMs: readonly number[],
  normal: (lagMs: number) => number,
): number[] {
  const { options, recorder, cluster } = outcome;
  const primary = options.topology.primary;
  const windows = partitionWindows(options.faults, primary, region, outcome.workloadStartMs);
  if (windows.length === 0) return gridMs.map((t) => normal(t));
  const settings = (from: string, to: string): Readonly<LinkSettings> =>
    new LinkModel(cluster.links.settingsFor(from, to), new SeededRandom(0)).current;
  // The recorder keeps every commit time when the schedule partitions a replica from the primary.
  const commitTimes = recorder.commitTimes;
  assert(commitTimes !== undefined, 'a partition prediction needs the run to keep its commit times');
  const entries: number[] = [];
  const writes: number[] = [];
  for (let offset = recorder.firstOffset; offset <= recorder.lastOffset; offset++) {
    const commitMs = commitTimes.commitMs.get(offset);
    if (!Number.isNaN(commitMs)) entries.push(commitMs);
    if (commitTimes.messageOffsets.get(offset) === 0) writes.push(commitMs);
  }
  return partitionedVisibility({
    path: {
      forward: settings(primary, region),
      reverse: settings(region, primary),
      backoff: SIM_RECONNECT_BACKOFF,
      entriesPerFrameMax: ENTRIES_PER_FRAME_MAX_DEFAULT,
    },
    windows,
    writeCommitMs: Float64Array.from(writes).sort(),
    entryCommitMs: Float64Array.from(entries).sort(),
    normal,
    gridMs,
  });
}
