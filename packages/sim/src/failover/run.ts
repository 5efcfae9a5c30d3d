import { ELECTION_DEFAULTS, type ElectionSettings } from '@meridian/core';
import { SeededRandom, VirtualClock } from '@meridian/lag';
import { linkDelayMs, type TopologyConfig } from '@meridian/topology';
import {
  checkConverged,
  checkNoMajorityWriteLost,
  checkOnePrimaryPerEpoch,
  checkOnePrimaryPerInstant,
  checkSessionReads,
  checkStrongReadsLinearizable,
  type FinalState,
  type Violation,
} from './checkers.js';
import { startClients } from './clients.js';
import { type FaultKind, type FaultRecord, Nemesis, type PlannedFault, randomFaults } from './nemesis.js';
import { FailoverWorld, type LogRecord } from './world.js';

export { FAULT_KINDS, randomFaults } from './nemesis.js';
export type { FaultKind, PlannedFault } from './nemesis.js';

export interface FailoverRunOptions {
  readonly seed: number;
  readonly config: TopologyConfig;
  readonly durationMs?: number;
  readonly settings?: Partial<ElectionSettings>;
  /** The faults; default: a random schedule from the seed over every kind. */
  readonly faults?: readonly PlannedFault[];
  /** How far the nemesis may skew a clock's rate (default: the drift bound the election assumes). */
  readonly skewMax?: number;
  readonly clientsPerRegion?: number;
}

export interface FaultMeasure {
  readonly kind: FaultKind;
  readonly region: string;
  readonly startMs: number;
  /** From the fault to the first region that noticed the primary gone (undefined: none did). */
  readonly detectMs: number | undefined;
  /** The longest time no region took a write, from the fault until writes flowed again after it. */
  readonly unwritableMs: number | undefined;
  /** Whether a new epoch began during the fault. */
  readonly failedOver: boolean;
}

export interface FailoverRunResult {
  readonly seed: number;
  readonly violations: Violation[];
  readonly epochs: number;
  readonly operations: number;
  readonly writes: { readonly none: DurabilityCount; readonly majority: DurabilityCount };
  readonly discardedEntries: number;
  readonly faults: FaultMeasure[];
  readonly replay: string;
}

export interface DurabilityCount {
  acknowledged: number;
  lost: number;
}

export function failoverReplayCommand(seed: number): string {
  return `npx meridian experiment failover --seed ${seed}`;
}

/**
 * Runs the regions of `config` under a nemesis and client load on virtual time, then heals, lets
 * them settle, and runs every checker over the recorded history.
 */
export function runFailoverSimulation(options: FailoverRunOptions): FailoverRunResult {
  const { seed, config } = options;
  const durationMs = options.durationMs ?? 30_000;
  const settings: ElectionSettings = { ...ELECTION_DEFAULTS, ...options.settings };
  const random = new SeededRandom(seed);
  const clock = new VirtualClock(0);
  const elections: { region: string; epoch: number }[] = [];
  const accepted: { region: string; epoch: number; realMs: number }[] = [];
  const overlaps: { realMs: number; regions: string[] }[] = [];
  const detections: { realMs: number; region: string }[] = [];
  let discardedEntries = 0;
  const world = new FailoverWorld(
    clock,
    random.fork('network'),
    {
      regions: config.regions.map((region) => ({ name: region.name, priority: region.priority ?? 1 })),
      primary: config.primary,
      delayMs: (from, to) => (from === to ? 0.5 : linkDelayMs(config, from, to)),
      settings,
      commitWaitMs: 2_000,
    },
    {
      accepted: (region, epoch, realMs) => accepted.push({ region, epoch, realMs }),
      elected: (region, epoch) => elections.push({ region, epoch }),
      event: (region, event, realMs) => {
        if (event.kind === 'primary-lost') detections.push({ region, realMs });
      },
      diverged: (_region, discarded) => {
        discardedEntries += discarded;
      },
    },
  );
  world.start();

  // ---- the nemesis ----
  const healAtMs = durationMs - 12_000;
  const faults =
    options.faults ?? randomFaults(random.fork('nemesis'), 2_000, healAtMs, options.skewMax ?? settings.clockDriftMax);
  const nemesis = new Nemesis(world, clock, random.fork('targets'), config.primary);
  nemesis.schedule(faults, healAtMs);

  // ---- the checks that need the instant: two leases at once ----
  const sample = (): void => {
    const holders = [...world.nodes.values()].filter(
      (node) => node.up && !node.paused && node.election?.holdsLease() === true,
    );
    if (holders.length > 1) overlaps.push({ realMs: clock.nowMs(), regions: holders.map((node) => node.name) });
    if (clock.nowMs() < durationMs) clock.setTimer(5, sample);
  };
  clock.setTimer(5, sample);

  const operations = startClients(world, clock, random, {
    perRegion: options.clientsPerRegion ?? 1,
    stopMs: durationMs - 4_000,
    configuredPrimary: config.primary,
  });

  clock.runUntil(durationMs);
  const final = settle(world, clock, nemesis);
  const violations = [
    ...checkOnePrimaryPerEpoch(elections),
    ...checkOnePrimaryPerInstant(accepted, overlaps),
    ...checkNoMajorityWriteLost(operations, final),
    ...checkStrongReadsLinearizable(operations, final),
    ...checkSessionReads(operations, final),
    ...checkConverged(final),
  ];
  const finalLog = new Set(
    (final.primary === undefined ? [] : world.node(final.primary).log).map((record) => record.writeId),
  );
  const count = (durability: 'none' | 'majority'): DurabilityCount => {
    const acked = operations.filter((op) => op.kind === 'write' && op.durability === durability && op.outcome === 'ok');
    return { acknowledged: acked.length, lost: acked.filter((op) => !finalLog.has(op.writeId ?? -1)).length };
  };
  const faultMeasures = measureFaults(nemesis.records, accepted, detections, settings);
  return {
    seed,
    violations,
    epochs: Math.max(0, ...elections.map((e) => e.epoch)),
    operations: operations.length,
    writes: { none: count('none'), majority: count('majority') },
    discardedEntries,
    faults: faultMeasures,
    replay: failoverReplayCommand(seed),
  };
}

/** Lets every region follow the final primary's log (bounded), then takes every region's log and digest. */
function settle(world: FailoverWorld, clock: VirtualClock, nemesis: Nemesis): FinalState {
  const primaryNow = (): string | undefined => {
    const name = nemesis.currentPrimary();
    return world.node(name).election?.holdsLease() === true ? name : undefined;
  };
  const converged = (): boolean => {
    const primary = primaryNow();
    if (primary === undefined) return false;
    const log = world.node(primary).log;
    return [...world.nodes.values()].every(
      (node) => node.log.length === log.length && node.log[log.length - 1]?.epoch === log[log.length - 1]?.epoch,
    );
  };
  for (let waited = 0; waited < 30_000 && !converged(); waited += 250) clock.runUntil(clock.nowMs() + 250);
  return {
    primary: primaryNow(),
    logs: new Map([...world.nodes].map(([name, node]) => [name, node.log as readonly LogRecord[]])),
    digests: new Map([...world.nodes].map(([name, node]) => [name, node.digest()])),
  };
}

/**
 * Per fault: when a region first noticed the primary gone, and the longest time no region took a
 * write, from the fault until writes flowed again after it.
 */
function measureFaults(
  records: readonly FaultRecord[],
  accepted: readonly { realMs: number }[],
  detections: readonly { realMs: number }[],
  settings: ElectionSettings,
): FaultMeasure[] {
  return records.map(({ fault, region, failedOver }) => {
    const endMs = fault.startMs + fault.durationMs;
    const detected = detections.find(
      (d) => d.realMs >= fault.startMs && d.realMs <= endMs + settings.electionTimeoutMs * 2,
    );
    let longest: number | undefined;
    let previous = fault.startMs;
    for (const write of accepted) {
      if (write.realMs < fault.startMs) continue;
      longest = Math.max(longest ?? 0, write.realMs - previous);
      previous = write.realMs;
      if (write.realMs > endMs) break;
    }
    return {
      kind: fault.kind,
      region,
      startMs: fault.startMs,
      detectMs: detected === undefined ? undefined : detected.realMs - fault.startMs,
      unwritableMs: longest,
      failedOver,
    };
  });
}
