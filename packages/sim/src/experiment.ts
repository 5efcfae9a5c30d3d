import { ExperimentUnavailableError } from './experiment-errors.js';
import { runLiveExperiment } from './live-run.js';
import { summarizeLive } from './live-summary.js';
import type { ExperimentOptions } from './options.js';
import { simulate } from './model/simulation.js';
import { type ExperimentSummary, summarize } from './summary.js';

export interface ExperimentResult {
  /** Everything written to summary.json: same seed and options ⇒ the same bytes (sim mode). */
  summary: ExperimentSummary;
  /** Wall-clock run time; kept out of the summary so it stays deterministic. */
  wallClockMs: number;
  /**
   * Simulated seconds under the workload per wall-clock second of the whole run (sim mode), as `npm run
   * bench` rates the simulator: the warm-up and drain around the workload carry next to no traffic.
   */
  speedup: number;
}

export { ExperimentUnavailableError };

/**
 * Runs a staleness experiment. `sim` runs the production engine, replication and routing on a
 * virtual clock and an in-memory network; `live` drives real region processes through
 * `options.live` (the CLI provides it).
 */
export async function runStalenessExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  if (options.mode === 'live') {
    if (options.live === undefined) {
      throw new ExperimentUnavailableError('live mode needs a running topology (LiveTopology); the CLI provides it');
    }
    const started = performance.now();
    const outcome = await runLiveExperiment(options, options.live);
    const wallClockMs = performance.now() - started;
    return { summary: summarizeLive(outcome), wallClockMs, speedup: 1 };
  }
  const started = performance.now();
  const outcome = await simulate(options, replayCommand(options));
  const summary = summarize(outcome);
  const wallClockMs = performance.now() - started;
  const workloadMs = summary.partial?.measuredMs ?? options.durationMs;
  return { summary, wallClockMs, speedup: workloadMs / Math.max(1e-3, wallClockMs) };
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The command line that replays a run (the flags of `meridian experiment staleness`). */
export function replayCommand(options: ExperimentOptions): string {
  const workload = options.workload;
  const args = ['meridian', 'experiment', 'staleness', '--mode', 'sim', '--seed', String(options.seed)];
  args.push('--config', options.replay?.configPath ?? 'regions.yaml');
  if (options.replay?.faultsPath !== undefined) args.push('--faults', options.replay.faultsPath);
  else if (options.faults.length > 0) args.push('--faults-json', JSON.stringify(options.faults));
  args.push('--duration-ms', String(options.durationMs), '--warmup-ms', String(options.warmupMs));
  args.push(
    '--writes-per-second',
    String(workload.writesPerSecond),
    '--reads-per-second',
    String(workload.readsPerSecond),
    '--publishes-per-second',
    String(workload.publishesPerSecond),
  );
  args.push('--clients-per-region', String(workload.clientsPerRegion), '--keys', String(workload.keyCount));
  args.push('--zipf', String(workload.keyPopularity.kind === 'zipf' ? workload.keyPopularity.exponent : 0));
  args.push('--value-bytes', `${workload.valueBytesMin}-${workload.valueBytesMax}`);
  args.push(
    '--consistency',
    Object.entries(workload.consistencyMix)
      .map(([level, share]) => `${level}:${share}`)
      .join(','),
  );
  args.push(
    '--client-local-delay-ms',
    String(options.clientLocalDelayMs),
    '--disk-sync-ms',
    String(options.diskSyncMs),
  );
  const weights = Object.entries(workload.regionWeights);
  if (weights.length > 0)
    args.push('--region-weights', weights.map(([region, weight]) => `${region}:${weight}`).join(','));
  if (options.wrapApplier !== undefined) args.push("# plus the test hook that wrapped the replicas' appliers");
  return args.map((arg) => (arg.startsWith('#') ? arg : shellQuote(arg))).join(' ');
}
