import { readFileSync } from 'node:fs';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import { defaultExperimentOptions } from './options.js';
import { simulate } from './model/simulation.js';

export interface BenchResult {
  regions: number;
  writesPerSecond: number;
  readsPerSecond: number;
  simulatedSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per wall-clock second. */
  simulatedSecondsPerWallSecond: number;
  timersRun: number;
}

/**
 * Measures the simulator's speed: five regions (the default topology), 1,000 writes/s and
 * 10,000 reads/s unless told otherwise, `durationMs` of simulated workload (plus warm-up and drain).
 */
export async function benchSimulator(
  options: { config?: TopologyConfig; durationMs?: number; writesPerSecond?: number; readsPerSecond?: number } = {},
): Promise<BenchResult> {
  const config =
    options.config ?? parseTopology(readFileSync(new URL('../../../regions.yaml', import.meta.url), 'utf8'));
  const experiment = defaultExperimentOptions(config);
  const writesPerSecond = options.writesPerSecond ?? 1_000;
  const readsPerSecond = options.readsPerSecond ?? 10_000;
  experiment.durationMs = options.durationMs ?? 10_000;
  experiment.workload.writesPerSecond = writesPerSecond;
  experiment.workload.readsPerSecond = readsPerSecond;
  const started = performance.now();
  const outcome = await simulate(experiment, 'bench');
  const wallSeconds = (performance.now() - started) / 1000;
  const simulatedSeconds = (outcome.endMs - outcome.workloadStartMs + experiment.warmupMs) / 1000;
  return {
    regions: config.regions.length,
    writesPerSecond,
    readsPerSecond,
    simulatedSeconds,
    wallSeconds,
    simulatedSecondsPerWallSecond: simulatedSeconds / wallSeconds,
    timersRun: outcome.timersRun,
  };
}
