import { assert } from '@meridian/engine';
import { LinkModel, predictedVisibility, SeededRandom } from '@meridian/lag';
import { PROTOCOL_VERSION } from '@meridian/replication';
import { faultWindow, type FaultSpec, type FaultWindow } from './faults.js';
import { DecimalHistogram } from './model/decimal-histogram.js';
import type { PubsubLog } from './model/pubsub-log.js';
import { LATENCY_DIGITS, type ReadCell, type Recorder, type ReplicaLags, type WriteCell } from './model/recorder.js';
import type { ExperimentOptions } from './options.js';
import type { SimulationOutcome } from './model/simulation.js';
import { predictedVisibilityCurve } from './partition-visibility.js';
import { niceStep, loadedLinkVisibility, type Percentiles, percentiles, quantile, round3, round6 } from './stats.js';

export const SUMMARY_FORMAT = 3;
export const MERIDIAN_VERSION = '0.1.0';

export const VISIBILITY_METHOD =
  'applied-time: a read issued t ms after a write commits sees it iff the replica applied that write (or a snapshot containing it) at or before commit + t; measured over every write of the workload, unapplied writes count as unseen';

export const PUBSUB_METHOD =
  'one subscriber per region on its own node; PUBLISH from workload clients in every region, routed to the primary; delivery = commit at the primary → receipt by the subscriber (through the replication stream, then the node-to-subscriber link); end-to-end = the publisher sending → receipt';

export interface VisibilityPoint {
  tMs: number;
  measured: number;
  /**
   * The link as configured and loaded in this run: with per-message jitter, the ordered-link curve
   * (head-of-line blocking behind every log entry at the run's rate and behind the periodic heartbeats);
   * with per-link jitter, the shared offset's distribution held back by earlier periods' larger offsets
   * (`perLinkVisibility`).
   */
  predicted: number;
  /** One message on an idle link: the delay distribution alone. */
  predictedIdleLink: number;
}

export interface ReadFigures {
  reads: number;
  failed: number;
  staleReads: number;
  staleRate: number;
  readYourWritesViolations: number;
  monotonicViolations: number;
  servedByPrimary: number;
  latencyMs: Percentiles;
}

export interface WriteFigures {
  writes: number;
  failed: number;
  latencyMs: Percentiles;
}

export interface PubsubFigures {
  /** Messages of the workload the primary committed (published from any region). */
  published: number;
  /** Of those, the ones this region's subscriber received. */
  delivered: number;
  /** Committed but never received here: a crash, a full resync, a partition not healed in time. */
  lost: number;
  /** Commit at the primary → received by this region's subscriber. */
  deliveryMs: Percentiles;
  /** The publisher's send → received here (publishers in every region, routed to the primary). */
  endToEndMs: Percentiles;
}

export interface RegionSummary {
  role: 'primary' | 'replica';
  /** Modelled one-way base delay from the primary (0 for the primary). */
  baseDelayMs: number;
  /** Commit at the primary → applied at this region. */
  lagMs: Percentiles;
  /** Commit at the primary → received by this region. */
  receiveLagMs: Percentiles;
  appliedWrites: number;
  unappliedWrites: number;
  tVisibility: VisibilityPoint[];
  lagHistogram: { fromMs: number; toMs: number; count: number }[];
  lagOverTime: { startMs: number; p50: number; p99: number; max: number; writes: number }[];
  /**
   * Live mode with the nodes' own times: the probe's own path (its send → the replica's answer
   * arriving), which `lagMs` measured before the nodes reported their times.
   */
  probeLagMs?: Percentiles;
  /** Reads by clients in this region, per consistency level. */
  reads: Record<string, ReadFigures>;
  /** Writes by clients in this region. */
  writes: WriteFigures;
  /** Pub/sub messages as this region's subscriber received them, beside the replication lag. */
  pubsub: PubsubFigures;
}

export interface ExperimentSummary {
  experiment: 'staleness';
  mode: 'sim' | 'live';
  seed: number;
  versions: { meridian: string; replicationProtocol: number; summaryFormat: number };
  config: Record<string, unknown>;
  visibilityMethod: string;
  /** How the pub/sub figures were measured. */
  pubsubMethod: string;
  totals: {
    writes: number;
    reads: number;
    /** PUBLISH requests issued during the workload (committed or not). */
    publishes: number;
    failedRequests: number;
    committedOffsets: number;
    simulatedMs: number;
    timersRun: number;
  };
  regions: Record<string, RegionSummary>;
  consistency: Record<string, ReadFigures>;
  failures: Record<string, number>;
  faults: FaultWindow[];
  invariants: {
    offsetChecks: number;
    digestChecks: number;
    guaranteeChecks: number;
    /** Deliveries checked to come in log order, after every entry before them. */
    pubsubChecks: number;
    convergedReplicas: string[];
    replicasBehind: string[];
  };
  /** Present only when the run was interrupted (Ctrl-C): the figures cover `measuredMs` of `plannedMs`. */
  partial?: { measuredMs: number; plannedMs: number };
}

/**
 * Percentiles from a histogram of d significant digits (model/decimal-histogram.ts): each within
 * 10^−d above the exact nearest-rank value, relatively (10^−d ms below 1 ms); the max is exact.
 */
export function histogramPercentiles(values: DecimalHistogram): Percentiles {
  return {
    p50: round3(values.quantile(0.5)),
    p90: round3(values.quantile(0.9)),
    p99: round3(values.quantile(0.99)),
    p999: round3(values.quantile(0.999)),
    max: round3(values.count === 0 ? 0 : values.max),
  };
}

/** `bins` equal buckets over [0, maxMs] (the last also counts every longer value), from a histogram. */
function histogramBins(values: DecimalHistogram, bins: number, maxMs: number): RegionSummary['lagHistogram'] {
  const width = maxMs > 0 ? maxMs / bins : 1;
  const out: RegionSummary['lagHistogram'] = [];
  let previous = 0;
  for (let i = 0; i < bins; i++) {
    const toMs = (i + 1) * width;
    const upTo = i === bins - 1 ? values.count : values.countAtMost(toMs);
    out.push({ fromMs: round3(i * width), toMs: round3(toMs), count: upTo - previous });
    previous = upTo;
  }
  return out;
}

export function readFigures(cells: readonly ReadCell[]): ReadFigures {
  const latencies = new DecimalHistogram(LATENCY_DIGITS);
  const total = { reads: 0, failed: 0, stale: 0, ryw: 0, monotonic: 0, primary: 0 };
  for (const cell of cells) {
    total.reads += cell.reads;
    total.failed += cell.failed;
    total.stale += cell.stale;
    total.ryw += cell.readYourWritesViolations;
    total.monotonic += cell.monotonicViolations;
    total.primary += cell.servedByPrimary;
    latencies.add(cell.latenciesMs);
  }
  const answered = total.reads - total.failed;
  return {
    reads: total.reads,
    failed: total.failed,
    staleReads: total.stale,
    staleRate: answered > 0 ? round6(total.stale / answered) : 0,
    readYourWritesViolations: total.ryw,
    monotonicViolations: total.monotonic,
    servedByPrimary: total.primary,
    latencyMs: histogramPercentiles(latencies),
  };
}

export function writeFigures(cell: WriteCell | undefined): WriteFigures {
  if (cell === undefined) return { writes: 0, failed: 0, latencyMs: percentiles([]) };
  return { writes: cell.writes, failed: cell.failed, latencyMs: histogramPercentiles(cell.latenciesMs) };
}

/** Pub/sub figures of one region from the workload's messages and its subscriber's receive times. */
export function pubsubFigures(pubsub: PubsubLog, region: string): PubsubFigures {
  const figures = pubsub.figuresOf(region);
  return {
    published: figures.published,
    delivered: figures.delivered,
    lost: figures.published - figures.delivered,
    deliveryMs: histogramPercentiles(figures.deliveryMs),
    endToEndMs: histogramPercentiles(figures.endToEndMs),
  };
}

/** The replica's lags (simulated runs record them for every replica). */
function replicaLags(recorder: Recorder, region: string): ReplicaLags {
  const lags = recorder.lags.get(region);
  assert(lags !== undefined, () => `no lags recorded for ${region}`);
  return lags;
}

/**
 * The t grid: explicit, or 0 … 1.5 × the latest point where the lag model reaches 99.9 % (at least
 * the slowest region's measured p90), so fault-long tails do not flatten the interesting part.
 */
function visibilityGrid(outcome: SimulationOutcome, predictionModels: Map<string, LinkModel>): number[] {
  const regions = outcome.recorder.replicaRegions;
  return visibilityGridFromP90(
    outcome.options.tVisibilityGridMs,
    regions.map((region) => replicaLags(outcome.recorder, region).appliedLagMs.quantile(0.9)),
    regions.map((region) => predictionModels.get(region) as LinkModel),
  );
}

/** The t grid from each replica's sorted lags and lag model (shared with live mode). */
export function visibilityGridFor(
  explicit: readonly number[] | undefined,
  sortedLags: readonly Float64Array[],
  models: readonly LinkModel[],
): number[] {
  return visibilityGridFromP90(
    explicit,
    sortedLags.map((sorted) => quantile(sorted, 0.9)),
    models,
  );
}

/** The t grid from each replica's p90 lag and lag model. */
function visibilityGridFromP90(
  explicit: readonly number[] | undefined,
  lagP90sMs: readonly number[],
  models: readonly LinkModel[],
): number[] {
  if (explicit !== undefined) return [...explicit].sort((a, b) => a - b);
  let maxMs = 1;
  for (const p90Ms of lagP90sMs) maxMs = Math.max(maxMs, p90Ms);
  for (const model of models) {
    const settings = model.current;
    const stepMs = Math.max(0.25, settings.jitter.meanMs / 20);
    const limitMs = settings.baseDelayMs + 100 * Math.max(1, settings.jitter.meanMs);
    let t = settings.baseDelayMs;
    while (predictedVisibility(model, t) < 0.999 && t < limitMs) t += stepMs;
    maxMs = Math.max(maxMs, t * 1.5);
  }
  const step = niceStep(maxMs, 48);
  const grid: number[] = [];
  for (let t = 0; t <= maxMs + step; t += step) grid.push(round3(t));
  return grid;
}

/** Lag over time in buckets of commit time: each summarised exactly once the replica applied past it. */
function lagOverTime(outcome: SimulationOutcome, lags: ReplicaLags): RegionSummary['lagOverTime'] {
  const { recorder, options } = outcome;
  const bucketMs = options.lagBucketMs;
  const out: RegionSummary['lagOverTime'] = [];
  for (let index = 0; index < Math.ceil(options.durationMs / bucketMs); index++) {
    const writes = recorder.writesPerBucket[index] ?? 0;
    const bucket = lags.buckets[index];
    const applied = bucket?.applied ?? 0;
    out.push({
      startMs: index * bucketMs,
      p50: round3(bucket?.p50 ?? 0),
      p99: round3(bucket?.p99 ?? 0),
      max: applied < writes ? -1 : round3(bucket?.max ?? 0),
      writes,
    });
  }
  return out;
}

function replicaSummary(
  outcome: SimulationOutcome,
  region: string,
  grid: readonly number[],
  model: LinkModel,
): Omit<RegionSummary, 'reads' | 'writes' | 'pubsub'> {
  const lags = replicaLags(outcome.recorder, region);
  const applied = lags.appliedLagMs;
  const total = outcome.recorder.writesCommitted();
  const settings = model.current;
  const { options } = outcome;
  // Every log entry (writes, PUBLISHes, expiry DELs) shares the link, in order; heartbeats come periodically.
  const { recorder } = outcome;
  const entries = Number.isFinite(recorder.firstOffset) ? recorder.lastOffset - recorder.firstOffset + 1 : total;
  const messagesPerSecond = (entries * 1000) / options.durationMs;
  const heartbeatMs = options.topology.replication.heartbeatMs;
  // The last bin also counts every longer lag (fault tails).
  const tailMs = Math.max(1, applied.quantile(0.99) * 1.2);
  // A partition from the primary (fault schedule) mixes in its catch-up (partition-visibility.ts).
  // Frames held back together reach the replica together and queue for its thread (node-costs.ts).
  const queue = outcome.cluster.predictionQueue();
  const predicted = predictedVisibilityCurve(outcome, region, grid, (tMs) =>
    loadedLinkVisibility(settings, messagesPerSecond, tMs, heartbeatMs, queue),
  );
  return {
    role: 'replica',
    baseDelayMs: round3(settings.baseDelayMs),
    lagMs: histogramPercentiles(applied),
    receiveLagMs: histogramPercentiles(lags.receivedLagMs),
    appliedWrites: applied.count,
    unappliedWrites: total - applied.count,
    tVisibility: grid.map((tMs, i) => {
      const idle = predictedVisibility(model, tMs);
      return {
        tMs,
        measured: total === 0 ? 0 : round6(applied.countAtMost(tMs) / total),
        predicted: round6(predicted[i] as number),
        predictedIdleLink: round6(idle),
      };
    }),
    lagHistogram: histogramBins(applied, 30, tailMs),
    lagOverTime: lagOverTime(outcome, lags),
  };
}

function primarySummary(
  grid: readonly number[],
  outcome: SimulationOutcome,
): Omit<RegionSummary, 'reads' | 'writes' | 'pubsub'> {
  const zero = percentiles([0]);
  const writes = outcome.recorder.writesCommitted();
  return {
    role: 'primary',
    baseDelayMs: 0,
    lagMs: zero,
    receiveLagMs: zero,
    appliedWrites: writes,
    unappliedWrites: 0,
    tVisibility: grid.map((tMs) => ({ tMs, measured: 1, predicted: 1, predictedIdleLink: 1 })),
    lagHistogram: [],
    lagOverTime: [],
  };
}

/** The consistency levels a workload actually used (share > 0). */
export function activeLevels(consistencyMix: Readonly<Record<string, number>>): string[] {
  return Object.keys(consistencyMix).filter((level) => (consistencyMix[level] ?? 0) > 0);
}

/** Read figures per level: for one region, or (with several regions) pooled over them. */
export function readsByLevel(
  reads: ReadonlyMap<string, ReadCell>,
  regionNames: readonly string[],
  levels: readonly string[],
): Record<string, ReadFigures> {
  const out: Record<string, ReadFigures> = {};
  for (const level of levels) {
    out[level] = readFigures(regionNames.flatMap((region) => reads.get(`${region}|${level}`) ?? []));
  }
  return out;
}

/** A region's client figures (reads per level, writes, pub/sub receipts), the same in both modes. */
export function clientFigures(
  recorder: Recorder,
  region: string,
  levels: readonly string[],
): Pick<RegionSummary, 'reads' | 'writes' | 'pubsub'> {
  return {
    reads: readsByLevel(recorder.reads, [region], levels),
    writes: writeFigures(recorder.writes.get(region)),
    pubsub: pubsubFigures(recorder.pubsub, region),
  };
}

/** The request counts of `totals`: writes, reads (from the per-level figures), publishes, failures. */
export function requestTotals(
  recorder: Recorder,
  consistency: Record<string, ReadFigures>,
): Pick<ExperimentSummary['totals'], 'writes' | 'reads' | 'publishes' | 'failedRequests'> {
  let writes = 0;
  let failed = 0;
  for (const cell of recorder.writes.values()) {
    writes += cell.writes;
    failed += cell.failed;
  }
  let reads = 0;
  for (const figures of Object.values(consistency)) {
    reads += figures.reads;
    failed += figures.failed;
  }
  return { writes, reads, publishes: recorder.pubsub.issued, failedRequests: failed };
}

/** Failure reasons and counts, in name order (so the summary does not depend on arrival order). */
export function sortedFailures(recorder: Recorder): Record<string, number> {
  return Object.fromEntries([...recorder.failures].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The part of `config` both modes report: topology sections, run length and workload. */
export function commonConfig(options: ExperimentOptions): Record<string, unknown> {
  const topology = options.topology;
  return {
    primary: topology.primary,
    regions: topology.regions.map((region) => ({ name: region.name, location: region.location })),
    network: topology.network,
    replication: topology.replication,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    workload: options.workload,
  };
}

/** Turns a run's raw measurements into the summary (deterministic: no wall-clock values). */
export function summarize(outcome: SimulationOutcome): ExperimentSummary {
  const { options, recorder, cluster } = outcome;
  recorder.finish();
  const primary = options.topology.primary;
  const predictionModels = new Map<string, LinkModel>();
  for (const region of recorder.replicaRegions) {
    predictionModels.set(region, new LinkModel(cluster.predictionSettings(region), new SeededRandom(0)));
  }
  const grid = visibilityGrid(outcome, predictionModels);
  const levels = activeLevels(options.workload.consistencyMix);
  const regions: Record<string, RegionSummary> = {};
  for (const region of cluster.regionNames) {
    const base =
      region === primary
        ? primarySummary(grid, outcome)
        : replicaSummary(outcome, region, grid, predictionModels.get(region) as LinkModel);
    regions[region] = { ...base, ...clientFigures(recorder, region, levels) };
  }
  const consistency = readsByLevel(recorder.reads, cluster.regionNames, levels);
  return {
    experiment: 'staleness',
    mode: options.mode,
    seed: options.seed,
    versions: { meridian: MERIDIAN_VERSION, replicationProtocol: PROTOCOL_VERSION, summaryFormat: SUMMARY_FORMAT },
    config: configOf(outcome),
    visibilityMethod: VISIBILITY_METHOD,
    pubsubMethod: PUBSUB_METHOD,
    totals: totalsOf(outcome, consistency),
    regions,
    consistency,
    failures: sortedFailures(recorder),
    faults: options.faults.map((fault: FaultSpec) => faultWindow(fault)),
    invariants: {
      offsetChecks: outcome.invariants.offsetChecks,
      digestChecks: outcome.invariants.digestChecks,
      guaranteeChecks: outcome.invariants.guaranteeChecks,
      pubsubChecks: outcome.invariants.pubsubChecks,
      convergedReplicas: outcome.converged.caughtUp,
      replicasBehind: outcome.converged.behind,
    },
    ...(outcome.partial === undefined ? {} : { partial: outcome.partial }),
  };
}

function totalsOf(outcome: SimulationOutcome, consistency: Record<string, ReadFigures>): ExperimentSummary['totals'] {
  const { recorder } = outcome;
  return {
    ...requestTotals(recorder, consistency),
    committedOffsets: Number.isFinite(recorder.firstOffset) ? recorder.lastOffset - recorder.firstOffset + 1 : 0,
    simulatedMs: round3(outcome.endMs - outcome.workloadStartMs + outcome.options.warmupMs),
    timersRun: outcome.timersRun,
  };
}

function configOf(outcome: SimulationOutcome): Record<string, unknown> {
  const { options } = outcome;
  return {
    ...commonConfig(options),
    clientLocalDelayMs: options.clientLocalDelayMs,
    diskSyncMs: options.diskSyncMs,
    lagBucketMs: options.lagBucketMs,
    digestCheckEveryMs: options.digestCheckEveryMs,
    faults: options.faults,
  };
}
