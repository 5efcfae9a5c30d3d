import { LinkModel, predictedVisibility, SeededRandom } from '@meridian/lag';
import { PROTOCOL_VERSION } from '@meridian/replication';
import { faultWindow } from './faults.js';
import { SimLinks } from './model/links.js';
import type { LiveOutcome, LiveProbe } from './live-run.js';
import { countAtMost, histogram, loadedLinkVisibility, percentiles, quantile, round3, round6 } from './stats.js';
import {
  activeLevels,
  clientFigures,
  commonConfig,
  type ExperimentSummary,
  MERIDIAN_VERSION,
  type ReadFigures,
  readsByLevel,
  type RegionSummary,
  requestTotals,
  SUMMARY_FORMAT,
  sortedFailures,
  visibilityGridFor,
} from './summary.js';

/** The summary's `visibilityMethod` in live mode, per probe method. */
export const LIVE_VISIBILITY_METHODS = {
  nodeClocks:
    "nodes' own clocks (wait probes with x-meridian-timing): a probe write of a fresh key is sent to the primary, which answers with the time it committed it; once answered, each replica gets a session read carrying its sync token, which that replica answers as soon as it has applied the write, with the time it applied it; the delay is the apply time minus the commit time (both nodes' clocks: the same machine, or synchronised hosts). t-visibility at t is the share of probes applied within t; probes never seen count as unseen. probeLagMs keeps the probe's own path (send → the replica's answer arriving)",
  wait: 'probe reads (wait): a probe write of a fresh key is sent to the primary (its send time stands for the commit); once answered, each replica gets a session read carrying its sync token, which that replica answers as soon as it has applied the write; the delay is the answer time minus the send time. t-visibility at t is the share of probes seen within t; probes never seen count as unseen',
  poll: 'probe reads (poll): a probe write of a fresh key is sent to the primary (its send time stands for the commit) and read at each replica (eventual, served by that replica) every pollIntervalMs until it is seen; the delay is the midpoint between the last read that missed it and the first that saw it. t-visibility at t is the share of probes seen within t; probes never seen count as unseen',
} as const;

export const LIVE_PUBSUB_METHOD =
  'one SSE subscriber per region (POST /subscribe/<channel>); PUBLISH from workload clients to their own region (a replica forwards it to the primary). A commit time is not observable from outside: the primary delivers to its own subscriber while it runs the PUBLISH, so that receipt stands for the commit (the primary region reads 0). delivery = that receipt → receipt in the region; end-to-end = the publisher sending → receipt';

/** Whether the nodes reported their commit and apply times (then the lags are theirs). */
export function measuredByNodeClocks(outcome: LiveOutcome): boolean {
  return outcome.probes.some((probe) => probe.lagMs.size > 0);
}

/**
 * A probe's lag at `region`: by the nodes' clocks when they report them (a probe seen without its
 * times, e.g. applied before the node was asked to record, is left out: `null`), else its own path.
 */
function probeLag(probe: LiveProbe, region: string, byNodes: boolean): number | undefined | null {
  if (!byNodes) return probe.probeLagMs.get(region);
  const lag = probe.lagMs.get(region);
  return lag === undefined && probe.probeLagMs.has(region) ? null : lag;
}

function sortedLags(outcome: LiveOutcome, region: string): { sorted: Float64Array; measured: number } {
  const byNodes = measuredByNodeClocks(outcome);
  const lags: number[] = [];
  let measured = 0;
  for (const probe of outcome.probes) {
    if (!probe.ok) continue;
    const lag = probeLag(probe, region, byNodes);
    if (lag === null) continue;
    measured++;
    if (lag !== undefined) lags.push(lag);
  }
  return { sorted: Float64Array.from(lags).sort(), measured };
}

/** The probe-path delays (send → the replica's answer), kept beside the nodes' figures. */
function probePathLags(outcome: LiveOutcome, region: string): Float64Array {
  const lags: number[] = [];
  for (const probe of outcome.probes) {
    const lag = probe.ok ? probe.probeLagMs.get(region) : undefined;
    if (lag !== undefined) lags.push(lag);
  }
  return Float64Array.from(lags).sort();
}

function lagOverTime(outcome: LiveOutcome, region: string): RegionSummary['lagOverTime'] {
  const bucketMs = outcome.options.lagBucketMs;
  const buckets: number[][] = [];
  const byNodes = measuredByNodeClocks(outcome);
  for (const probe of outcome.probes) {
    const lag = probe.ok ? probeLag(probe, region, byNodes) : null;
    if (lag === null) continue;
    const index = Math.floor(probe.commitMs / bucketMs);
    (buckets[index] ??= []).push(lag ?? Number.NaN);
  }
  const out: RegionSummary['lagOverTime'] = [];
  for (let index = 0; index < Math.ceil(outcome.options.durationMs / bucketMs); index++) {
    const values = buckets[index] ?? [];
    const sorted = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
    out.push({
      startMs: index * bucketMs,
      p50: round3(quantile(sorted, 0.5)),
      p99: round3(quantile(sorted, 0.99)),
      max: sorted.length < values.length ? -1 : round3(sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number)),
      writes: values.length,
    });
  }
  return out;
}

function replicaSummary(
  outcome: LiveOutcome,
  region: string,
  grid: readonly number[],
  model: LinkModel,
): Omit<RegionSummary, 'reads' | 'writes' | 'pubsub'> {
  const { sorted, measured } = sortedLags(outcome, region);
  const settings = model.current;
  const { options } = outcome;
  const messagesPerSecond = (outcome.committedWrites * 1000) / options.durationMs;
  const heartbeatMs = options.topology.replication.heartbeatMs;
  const lagMs = percentiles(sorted);
  return {
    role: 'replica',
    baseDelayMs: round3(settings.baseDelayMs),
    lagMs,
    // Receive times are not observable from outside a node: the visibility delay stands for both.
    receiveLagMs: lagMs,
    appliedWrites: sorted.length,
    unappliedWrites: measured - sorted.length,
    tVisibility: grid.map((tMs) => {
      const idle = predictedVisibility(model, tMs);
      const loaded = loadedLinkVisibility(settings, messagesPerSecond, tMs, heartbeatMs);
      return {
        tMs,
        measured: measured === 0 ? 0 : round6(countAtMost(sorted, tMs) / measured),
        predicted: round6(loaded),
        predictedIdleLink: round6(idle),
      };
    }),
    lagHistogram: histogram(sorted, 30, Math.max(1, quantile(sorted, 0.99) * 1.2)),
    lagOverTime: lagOverTime(outcome, region),
    ...(measuredByNodeClocks(outcome) ? { probeLagMs: percentiles(probePathLags(outcome, region)) } : {}),
  };
}

function primarySummary(
  grid: readonly number[],
  outcome: LiveOutcome,
): Omit<RegionSummary, 'reads' | 'writes' | 'pubsub'> {
  const zero = percentiles([0]);
  return {
    role: 'primary',
    baseDelayMs: 0,
    lagMs: zero,
    receiveLagMs: zero,
    appliedWrites: outcome.probes.filter((probe) => probe.ok).length,
    unappliedWrites: 0,
    tVisibility: grid.map((tMs) => ({ tMs, measured: 1, predicted: 1, predictedIdleLink: 1 })),
    lagHistogram: [],
    lagOverTime: [],
  };
}

/** Turns a live run's measurements into the same summary a simulated run has (`mode: "live"`). */
export function summarizeLive(outcome: LiveOutcome): ExperimentSummary {
  const { options, recorder } = outcome;
  const primary = options.topology.primary;
  const links = new SimLinks(options.topology, new SeededRandom(0), options.clientLocalDelayMs);
  const models = outcome.replicaRegions.map(
    (region) => new LinkModel(links.settingsFor(primary, region), new SeededRandom(0)),
  );
  const grid = visibilityGridFor(
    options.tVisibilityGridMs,
    outcome.replicaRegions.map((region) => sortedLags(outcome, region).sorted),
    models,
  );
  const levels = activeLevels(options.workload.consistencyMix);
  const regions: Record<string, RegionSummary> = {};
  for (const region of outcome.regionNames) {
    const index = outcome.replicaRegions.indexOf(region);
    const base =
      index < 0 ? primarySummary(grid, outcome) : replicaSummary(outcome, region, grid, models[index] as LinkModel);
    regions[region] = { ...base, ...clientFigures(recorder, region, levels) };
  }
  const consistency = readsByLevel(recorder.reads, outcome.regionNames, levels);
  return {
    experiment: 'staleness',
    mode: 'live',
    seed: options.seed,
    versions: { meridian: MERIDIAN_VERSION, replicationProtocol: PROTOCOL_VERSION, summaryFormat: SUMMARY_FORMAT },
    config: configOf(outcome),
    visibilityMethod:
      LIVE_VISIBILITY_METHODS[measuredByNodeClocks(outcome) ? 'nodeClocks' : outcome.probeOptions.method],
    pubsubMethod: LIVE_PUBSUB_METHOD,
    totals: totalsOf(outcome, consistency),
    regions,
    consistency,
    failures: sortedFailures(recorder),
    faults: options.faults.map((fault) => faultWindow(fault)),
    invariants: {
      offsetChecks: 0,
      digestChecks: outcome.digestChecks,
      guaranteeChecks: outcome.guaranteeChecks,
      pubsubChecks: 0,
      convergedReplicas: outcome.converged.caughtUp,
      replicasBehind: outcome.converged.behind,
    },
    ...(outcome.partial === undefined ? {} : { partial: outcome.partial }),
  };
}

function totalsOf(outcome: LiveOutcome, consistency: Record<string, ReadFigures>): ExperimentSummary['totals'] {
  return {
    ...requestTotals(outcome.recorder, consistency),
    committedOffsets: outcome.committedWrites,
    // Live mode: wall-clock ms from the start of the workload to the end of the drain.
    simulatedMs: round3(outcome.totalMs),
    timersRun: 0,
  };
}

function configOf(outcome: LiveOutcome): Record<string, unknown> {
  const { options } = outcome;
  return {
    ...commonConfig(options),
    lagBucketMs: options.lagBucketMs,
    faults: options.faults,
    live: {
      ...outcome.probeOptions,
      probes: outcome.probes.length,
      lagsFrom: measuredByNodeClocks(outcome) ? 'node clocks' : 'probe path',
    },
  };
}
