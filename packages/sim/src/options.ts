import type { ReplicaApplier } from '@meridian/replication';
import { parseConsistency, type ReadDecider } from '@meridian/core';
import type { TopologyConfig } from '@meridian/topology';
import type { FaultSpec } from './faults.js';
import type { LiveTopology } from './live.js';
import { BUILTIN_NODE_COSTS, type NodeCosts, ZERO_NODE_COSTS } from './model/node-costs.js';
import type { PrimaryLogRetention } from './model/nodes.js';

export type KeyPopularity = { kind: 'uniform' } | { kind: 'zipf'; exponent: number };

export interface WorkloadOptions {
  /** Open-loop Poisson arrivals, summed over every client. */
  writesPerSecond: number;
  readsPerSecond: number;
  /**
   * Open-loop PUBLISH rate (all clients): each goes from a client to its region, on to the primary
   * and through replication to one subscriber in every region (the pub/sub delivery figures).
   */
  publishesPerSecond: number;
  /** Clients placed in each region (every region issues reads and writes). */
  clientsPerRegion: number;
  /** Relative share of traffic per region; regions not named weigh 1. */
  regionWeights: Record<string, number>;
  keyCount: number;
  keyPopularity: KeyPopularity;
  valueBytesMin: number;
  valueBytesMax: number;
  /**
   * Share of clients per consistency level (`eventual`, `session`, `bounded=<ms>`, `strong`).
   * Each client keeps one level, so session guarantees are per client as in real use.
   */
  consistencyMix: Record<string, number>;
}

export interface ProgressReport {
  simulatedMs: number;
  totalMs: number;
  /** Events run so far (timers in sim mode, requests in live mode). */
  eventsRun?: number;
}

/**
 * Live mode measures visibility with probes: a write of a fresh key at the primary, then reads of
 * it at every replica until that replica itself serves it.
 * - `wait`: one `session` read per replica carrying the write's sync token; the replica answers
 *   the moment it has applied the write (a read that times out there is sent again).
 * - `poll`: `eventual` reads every `pollIntervalMs` until one sees the value.
 */
export interface LiveProbeOptions {
  /** Open-loop Poisson rate of probe writes (on top of the workload's writes). */
  probesPerSecond: number;
  method: 'wait' | 'poll';
  /** `poll`: time between two reads of one probe at one region (the measurement's resolution). */
  pollIntervalMs: number;
}

export interface ExperimentOptions {
  mode: 'sim' | 'live';
  topology: TopologyConfig;
  seed: number;
  /** Simulated length of the measured workload. */
  durationMs: number;
  /** Simulated time before the workload, for replicas to sync. */
  warmupMs: number;
  /** After the workload: how long replicas may take to catch up before the final checks. */
  drainMsMax: number;
  workload: WorkloadOptions;
  /** Fault times are relative to the start of the workload. */
  faults: FaultSpec[];
  /** One-way delay between a client and a node in its own region. */
  clientLocalDelayMs: number;
  /** Time for an append to become durable before a write is answered (simulated disk). */
  diskSyncMs: number;
  /** t grid for t-visibility; derived from the observed lags when absent. */
  tVisibilityGridMs: number[] | undefined;
  /** Width of the buckets of the lag-over-time series. */
  lagBucketMs: number;
  /** How often the primary's digest is taken and compared with each replica at that offset. */
  digestCheckEveryMs: number;
  /**
   * What the nodes' own work costs in virtual time. Undefined: as regions.yaml's `simulation.costs`
   * says (builtin or none; a file must be read first, with `loadNodeCosts`).
   */
  nodeCosts?: NodeCosts | undefined;
  /** Live mode: the running topology the CLI provides. */
  live?: LiveTopology;
  /** Live mode: probe rate and poll interval (defaults in live-run.ts). */
  liveProbes?: LiveProbeOptions;
  /** Called about 100 times during a run. */
  progress?: (report: ProgressReport) => void;
  /** Aborted (Ctrl-C): the run stops at the next step and reports what it measured so far, marked partial. */
  interrupt?: AbortSignal;
  /**
   * Awaited between the run's ~100 steps: the CLI lets the event loop turn there (setImmediate), so a
   * Ctrl-C is seen mid-run. The simulation itself never touches timers.
   */
  betweenSteps?: () => Promise<void>;
  /** The config and faults paths and flags that reproduce this run (for the replay command). */
  replay?: { configPath?: string; faultsPath?: string };
  /**
   * The primary's snapshot cadence and log retention; a real node's defaults (PRIMARY_LOG_RETENTION)
   * unless a test wants a long run's effects in a short one.
   */
  primaryLogRetention?: PrimaryLogRetention;
  /** Tests only: wraps each replica's applier (e.g. to inject a corrupt one). */
  wrapApplier?: (region: string, applier: ReplicaApplier) => ReplicaApplier;
  /** The replicas' read decision: the core's `decideRead` (the node's) unless a test swaps it. */
  readDecision?: ReadDecider;
}

/** An experiment option that does not make sense; `field` names it. Code: MERIDIAN_EXPERIMENT_INVALID. */
export class ExperimentConfigError extends Error {
  readonly code = 'MERIDIAN_EXPERIMENT_INVALID';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The default staleness experiment for a topology: 60 simulated seconds, every consistency level. */
export function defaultExperimentOptions(config: TopologyConfig): ExperimentOptions {
  return {
    mode: 'sim',
    topology: config,
    seed: 1,
    durationMs: 60_000,
    warmupMs: 2_000,
    drainMsMax: 30_000,
    workload: {
      writesPerSecond: 200,
      readsPerSecond: 2_000,
      publishesPerSecond: 20,
      clientsPerRegion: 8,
      regionWeights: {},
      keyCount: 1_000,
      keyPopularity: { kind: 'zipf', exponent: 0.99 },
      valueBytesMin: 16,
      valueBytesMax: 256,
      consistencyMix: { eventual: 1, session: 1, 'bounded=250': 1, strong: 1 },
    },
    faults: [],
    clientLocalDelayMs: 1,
    diskSyncMs: 1,
    tVisibilityGridMs: undefined,
    lagBucketMs: 1_000,
    digestCheckEveryMs: 2_000,
  };
}

/** The node costs a run uses: the options', else what regions.yaml's `simulation.costs` names. */
export function nodeCostsOf(options: ExperimentOptions): NodeCosts {
  if (options.nodeCosts !== undefined) return options.nodeCosts;
  const costs = options.topology.simulation.costs;
  if (costs.kind === 'file') {
    throw new ExperimentConfigError(
      'simulation.costs',
      `${costs.path} was not read: load it with loadNodeCosts and pass it as nodeCosts`,
    );
  }
  return costs.kind === 'none' ? ZERO_NODE_COSTS : BUILTIN_NODE_COSTS;
}

/** Throws ExperimentConfigError for the first option out of range. */
export function validateOptions(options: ExperimentOptions): void {
  const positive = (value: number, field: string): void => {
    if (!(value > 0) || !Number.isFinite(value)) throw new ExperimentConfigError(field, `must be > 0, got ${value}`);
  };
  const nonNegative = (value: number, field: string): void => {
    if (!(value >= 0) || !Number.isFinite(value)) throw new ExperimentConfigError(field, `must be ≥ 0, got ${value}`);
  };
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new ExperimentConfigError('seed', `must be an integer in 0..4294967295, got ${options.seed}`);
  }
  positive(options.durationMs, 'durationMs');
  nonNegative(options.warmupMs, 'warmupMs');
  nonNegative(options.drainMsMax, 'drainMsMax');
  nonNegative(options.clientLocalDelayMs, 'clientLocalDelayMs');
  nonNegative(options.diskSyncMs, 'diskSyncMs');
  positive(options.lagBucketMs, 'lagBucketMs');
  positive(options.digestCheckEveryMs, 'digestCheckEveryMs');
  const workload = options.workload;
  nonNegative(workload.writesPerSecond, 'workload.writesPerSecond');
  nonNegative(workload.readsPerSecond, 'workload.readsPerSecond');
  nonNegative(workload.publishesPerSecond, 'workload.publishesPerSecond');
  if (!Number.isInteger(workload.clientsPerRegion) || workload.clientsPerRegion < 1) {
    throw new ExperimentConfigError(
      'workload.clientsPerRegion',
      `must be a whole number ≥ 1, got ${workload.clientsPerRegion}`,
    );
  }
  if (!Number.isInteger(workload.keyCount) || workload.keyCount < 1) {
    throw new ExperimentConfigError('workload.keyCount', `must be a whole number ≥ 1, got ${workload.keyCount}`);
  }
  if (workload.keyPopularity.kind === 'zipf')
    nonNegative(workload.keyPopularity.exponent, 'workload.keyPopularity.exponent');
  if (!(workload.valueBytesMin >= 8) || !(workload.valueBytesMax >= workload.valueBytesMin)) {
    throw new ExperimentConfigError('workload.valueBytesMin', 'must be ≥ 8 and ≤ valueBytesMax');
  }
  validateMix(workload.consistencyMix);
  for (const [region, weight] of Object.entries(workload.regionWeights)) {
    if (!options.topology.regions.some((r) => r.name === region)) {
      throw new ExperimentConfigError(`workload.regionWeights.${region}`, 'is not a region of the topology');
    }
    nonNegative(weight, `workload.regionWeights.${region}`);
  }
}

function validateMix(mix: Record<string, number>): void {
  let total = 0;
  for (const [level, share] of Object.entries(mix)) {
    if (parseConsistency(level) === undefined) {
      throw new ExperimentConfigError(
        `workload.consistencyMix.${level}`,
        'must be eventual, session, strong or bounded=<ms>',
      );
    }
    if (!(share >= 0)) throw new ExperimentConfigError(`workload.consistencyMix.${level}`, `must be ≥ 0, got ${share}`);
    total += share;
  }
  if (!(total > 0))
    throw new ExperimentConfigError('workload.consistencyMix', 'needs at least one level with a share > 0');
}
