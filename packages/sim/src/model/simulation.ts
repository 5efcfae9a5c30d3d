import { MeridianError } from '@meridian/engine';
import { decideRead } from '@meridian/core';
import { SeededRandom } from '@meridian/lag';
import { SimCluster } from './cluster.js';
import { InvariantChecker } from './invariants.js';
import { type ExperimentOptions, nodeCostsOf, validateOptions } from '../options.js';
import { lagRecordingOf, Recorder } from './recorder.js';
import { SimScheduler } from './scheduler.js';
import { Traffic } from './traffic.js';
import { Workload } from './workload.js';

/** Simulated time starts at a fixed epoch, so absolute times (and PXAT effects) replay exactly. */
export const SIM_EPOCH_MS = 1_700_000_000_000;

export interface SimulationOutcome {
  options: ExperimentOptions;
  recorder: Recorder;
  cluster: SimCluster;
  invariants: InvariantChecker;
  /**
   * The request model, kept with the rest: its per-key histories are what could grow with a run's
   * length, and the memory bench (benchSimulatorMemory) measures what an outcome holds.
   */
  traffic: Traffic;
  workloadStartMs: number;
  workloadEndMs: number;
  endMs: number;
  /** Replicas that had (and had not) caught up with the primary at the end. */
  converged: { caughtUp: string[]; behind: string[] };
  timersRun: number;
  /** Set when the run was interrupted: the workload measured only `measuredMs` of `plannedMs`. */
  partial?: { measuredMs: number; plannedMs: number };
}

/** Runs one simulated experiment. Throws SimulationInvariantError when an invariant fails. */
export async function simulate(options: ExperimentOptions, replayCommand: string): Promise<SimulationOutcome> {
  validateOptions(options);
  const random = new SeededRandom(options.seed);
  const scheduler = new SimScheduler(SIM_EPOCH_MS);
  const config = options.topology;
  const regionNames = config.regions.map((r) => r.name);
  const recorder = new Recorder(
    regionNames.filter((name) => name !== config.primary),
    regionNames,
    lagRecordingOf(options, SIM_EPOCH_MS + options.warmupMs),
  );
  const invariants = new InvariantChecker(
    options.seed,
    replayCommand,
    () => scheduler.nowMs() - SIM_EPOCH_MS,
    (error) => (scheduler.failure ??= error),
  );
  const cluster = new SimCluster(
    {
      config,
      clientLocalDelayMs: options.clientLocalDelayMs,
      wrapApplier: options.wrapApplier,
      costs: nodeCostsOf(options),
      logRetention: options.primaryLogRetention,
    },
    scheduler,
    random,
    recorder,
    invariants,
  );
  for (const fault of options.faults) {
    if (fault.kind === 'replica-crash' && fault.region === config.primary) {
      throw new MeridianError(
        'MERIDIAN_SIM_FAULT_INVALID',
        `replica-crash: ${fault.region} is the primary (use primary-crash)`,
      );
    }
  }
  cluster.start();
  const workload = new Workload(options.workload, cluster.regionNames, {
    clients: random.fork('clients'),
    keys: random.fork('keys'),
    values: random.fork('values'),
  });
  const traffic = new Traffic(scheduler, cluster, workload, recorder, invariants, {
    syncWaitMsMax: config.replication.syncWaitMsMax,
    diskSyncMs: options.diskSyncMs,
    decide: options.readDecision ?? decideRead,
  });
  const startMs = SIM_EPOCH_MS + options.warmupMs;
  const endMs = startMs + options.durationMs;
  scheduleWorkload(options, scheduler, traffic, random, startMs, endMs);
  for (const fault of options.faults) cluster.scheduleFault(fault, startMs);
  scheduleDigestSamples(scheduler, cluster, options.digestCheckEveryMs, startMs, endMs);
  const reachedMs = await runWithProgress(options, scheduler, endMs);
  if (reachedMs < endMs) {
    traffic.settleReads(reachedMs);
    return { ...interrupted(options, scheduler, cluster, recorder, invariants, startMs, reachedMs), traffic };
  }
  const finishedMs = await drain(options, scheduler, cluster, endMs, config.replication.syncWaitMsMax);
  traffic.settleReads(finishedMs);
  const converged = cluster.checkConverged();
  cluster.checkMessagesDelivered(converged.caughtUp);
  const permanentFault = options.faults.some((fault) => fault.kind !== 'stall' && fault.durationMs === undefined);
  if (converged.behind.length > 0 && !permanentFault) {
    invariants.fail(
      `replicas ${converged.behind.join(', ')} did not catch up within ${options.drainMsMax} ms after the workload`,
    );
  }
  return {
    options,
    recorder,
    cluster,
    invariants,
    traffic,
    workloadStartMs: startMs,
    workloadEndMs: endMs,
    endMs: finishedMs,
    converged,
    timersRun: scheduler.timersRun,
  };
}

function scheduleWorkload(
  options: ExperimentOptions,
  scheduler: SimScheduler,
  traffic: Traffic,
  random: SeededRandom,
  startMs: number,
  endMs: number,
): void {
  const clock = scheduler.clock;
  clock.setTimer(startMs - clock.nowMs(), () => {
    traffic.measuring = true;
  });
  clock.setTimer(endMs - clock.nowMs(), () => {
    traffic.measuring = false;
  });
  const { writesPerSecond, readsPerSecond, publishesPerSecond } = options.workload;
  traffic.arrivals(writesPerSecond, startMs, endMs, random.fork('arrivals:writes'), () => traffic.issueWrite());
  traffic.arrivals(readsPerSecond, startMs, endMs, random.fork('arrivals:reads'), () => traffic.issueRead());
  const publishers = random.fork('publishers');
  traffic.arrivals(publishesPerSecond, startMs, endMs, random.fork('arrivals:publishes'), () =>
    traffic.issuePublish(publishers),
  );
}

function scheduleDigestSamples(
  scheduler: SimScheduler,
  cluster: SimCluster,
  everyMs: number,
  startMs: number,
  endMs: number,
): void {
  const clock = scheduler.clock;
  const sample = (): void => {
    cluster.sampleDigest();
    if (clock.nowMs() + everyMs <= endMs) clock.setTimer(everyMs, sample);
  };
  clock.setTimer(startMs + everyMs / 2 - clock.nowMs(), sample);
}

/** Runs to `endMs` in about 100 steps; returns where it stopped (earlier when `options.interrupt` fired). */
async function runWithProgress(options: ExperimentOptions, scheduler: SimScheduler, endMs: number): Promise<number> {
  const totalMs = endMs - SIM_EPOCH_MS;
  const stepMs = Math.max(1, totalMs / 100);
  for (let t = SIM_EPOCH_MS + stepMs; ; t += stepMs) {
    const until = Math.min(t, endMs);
    await scheduler.runUntil(until);
    options.progress?.({ simulatedMs: until - SIM_EPOCH_MS, totalMs, eventsRun: scheduler.timersRun });
    if (until < endMs) await options.betweenSteps?.();
    if (until >= endMs || options.interrupt?.aborted === true) return until;
  }
}

/**
 * An interrupted run: what was measured up to `reachedMs`, as if the workload had been that long. No
 * drain and no convergence verdict (replicas may be behind mid-run); invariants checked so far held.
 */
function interrupted(
  options: ExperimentOptions,
  scheduler: SimScheduler,
  cluster: SimCluster,
  recorder: Recorder,
  invariants: InvariantChecker,
  startMs: number,
  reachedMs: number,
): Omit<SimulationOutcome, 'traffic'> {
  const measuredMs = Math.max(1, reachedMs - startMs);
  return {
    options: { ...options, durationMs: measuredMs },
    recorder,
    cluster,
    invariants,
    workloadStartMs: startMs,
    workloadEndMs: startMs + measuredMs,
    endMs: Math.max(reachedMs, startMs + measuredMs),
    converged: cluster.checkConverged(),
    timersRun: scheduler.timersRun,
    partial: { measuredMs: Math.max(0, reachedMs - startMs), plannedMs: options.durationMs },
  };
}

/** Lets answers in flight arrive and replicas catch up; returns when it stopped. */
async function drain(
  options: ExperimentOptions,
  scheduler: SimScheduler,
  cluster: SimCluster,
  endMs: number,
  syncWaitMsMax: number,
): Promise<number> {
  const minimumMs = endMs + syncWaitMsMax + 2_000;
  const limitMs = endMs + Math.max(options.drainMsMax, minimumMs - endMs);
  let t = endMs;
  while (t < limitMs) {
    t = Math.min(limitMs, t + 100);
    await scheduler.runUntil(t);
    if (t >= minimumMs && cluster.allCaughtUp()) break;
  }
  return t;
}
