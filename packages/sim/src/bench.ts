import { readFileSync } from 'node:fs';
import { parseTopology, type TopologyConfig } from '@meridian/topology';
import { defaultExperimentOptions } from './options.js';
import { PRIMARY_LOG_RETENTION, REPLICA_ENTRIES_BEFORE_SNAPSHOT } from './model/nodes.js';
import { simulate } from './model/simulation.js';

export interface BenchResult {
  regions: number;
  writesPerSecond: number;
  readsPerSecond: number;
  /** The whole run's simulated time: the warm-up, the workload and the drain after it. */
  simulatedSeconds: number;
  /** The simulated seconds under the workload (the experiment's `durationMs`). */
  workloadSeconds: number;
  wallSeconds: number;
  /** Simulated seconds per wall-clock second, over the whole run. */
  simulatedSecondsPerWallSecond: number;
  /**
   * Simulated seconds under the workload per wall-clock second of the whole run: the rate at the
   * workload, what issue 14's targets ask. The warm-up (2 s) and the drain (≥ 3 s) carry next to no
   * traffic and cost next to nothing, so counting them as simulated time flatters a short run: at
   * 5,000 + 50,000 a 4 s workload measured 9.3× over its 9 simulated seconds and 4.1× at the workload.
   */
  workloadSecondsPerWallSecond: number;
  /** The process's CPU time (user + system) over the run: unlike the wall clock, not stretched by other jobs' turns on the cores. */
  cpuSeconds: number;
  timersRun: number;
}

/** The default topology's text (regions.yaml at the repository's root). */
function defaultTopologyText(): string {
  return readFileSync(new URL('../../../regions.yaml', import.meta.url), 'utf8');
}

/**
 * The default topology with regions added up to `count`: synthetic ones spread over the globe (a
 * golden-angle spiral), each with a port of its own, so costs can be compared across region counts.
 */
export function topologyWithRegions(count: number): TopologyConfig {
  const text = defaultTopologyText();
  const base = parseTopology(text);
  const extra: string[] = [];
  for (let i = base.regions.length; i < count; i++) {
    const lat = Math.round((Math.asin(1 - (2 * (i + 0.5)) / count) * 180 * 10) / Math.PI) / 10;
    const lon = Math.round(((((i * 137.508) % 360) + 360) % 360) - 180);
    extra.push(
      `  - { name: synthetic-${i + 1}, location: { lat: ${lat}, lon: ${lon} }, host: 127.0.0.1, port: ${7801 + i} }`,
    );
  }
  if (extra.length === 0) return base;
  return parseTopology(text.replace(/\nrouter:/, `\n${extra.join('\n')}\n\nrouter:`));
}

export interface BenchMemoryResult {
  /** Heap and array buffers kept per committed write between a shorter and a longer run, both past the log's retention. */
  bytesPerWrite: number;
  /** Of which the JS heap … */
  heapBytesPerWrite: number;
  /** … and array buffers (typed arrays' backing stores, outside the heap). */
  arrayBufferBytesPerWrite: number;
  /** Log entries (writes and PUBLISHes) committed by each run. */
  writes: [number, number];
  /** The longer run's length, set so both runs end at the same point of the snapshot cycles. */
  durationsMs: [number, number];
}

/**
 * The nodes' disks hold what follows their last snapshot: the primary snapshots every 10,000 entries
 * (keeping 100,000 before), a replica every 20,000; so what they keep goes up and down with the number of
 * entries modulo this (by a few MB), whatever the run's length.
 */
const SNAPSHOT_CYCLE_ENTRIES = Math.max(REPLICA_ENTRIES_BEFORE_SNAPSHOT, PRIMARY_LOG_RETENTION.entriesBeforeSnapshot);

/** Collects garbage until array buffers freed by it are counted as freed (V8 releases them after the GC). */
async function settledMemory(gc: () => void): Promise<{ heap: number; arrayBuffers: number }> {
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    gc();
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
}

/**
 * What a run keeps per write once the primary's log has reached its retention: the heap and array
 * buffers (after a full GC, with the outcome still referenced) of two runs of different lengths,
 * divided by the entries between them. The longer run is run again, lengthened or shortened, until it
 * ends at the same point of the nodes' snapshot cycles as the shorter one (the disks' sawtooth is not
 * growth). Needs `--expose-gc`; undefined without it.
 */
export async function benchSimulatorMemory(
  options: { writesPerSecond?: number; readsPerSecond?: number; durationsMs?: [number, number] } = {},
): Promise<BenchMemoryResult | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  const config = parseTopology(defaultTopologyText());
  /** Memory the outcome of one run keeps, and its entries; the outcome is gone when this returns. */
  const retainedBy = async (
    durationMs: number,
  ): Promise<{ heap: number; arrayBuffers: number; writes: number; durationMs: number }> => {
    const experiment = defaultExperimentOptions(config);
    experiment.durationMs = durationMs;
    experiment.workload.writesPerSecond = options.writesPerSecond ?? 2_000;
    experiment.workload.readsPerSecond = options.readsPerSecond ?? 2_000;
    // The previous run's outcome is only collectable once the microtasks that resolved it are gone.
    const before = await settledMemory(gc);
    const outcome = await simulate(experiment, 'bench');
    const after = await settledMemory(gc);
    return {
      heap: after.heap - before.heap,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
      writes: outcome.recorder.lastOffset,
      durationMs,
    };
  };
  const [shortMs, longMs] = options.durationsMs ?? [60_000, 120_000];
  // A first short run takes what is made once (compiled code, caches) out of the measured ones.
  await retainedBy(2_000);
  const short = await retainedBy(shortMs);
  let long = await retainedBy(longMs);
  for (let attempt = 0; attempt < 3; attempt++) {
    const cycle = SNAPSHOT_CYCLE_ENTRIES;
    const off = ((((long.writes - short.writes) % cycle) + cycle + cycle / 2) % cycle) - cycle / 2;
    if (Math.abs(off) <= cycle / 100) break;
    const entriesPerMs = (long.writes - short.writes) / (long.durationMs - shortMs);
    long = await retainedBy(Math.round(long.durationMs - off / entriesPerMs));
  }
  const writes = long.writes - short.writes;
  return {
    bytesPerWrite: (long.heap + long.arrayBuffers - short.heap - short.arrayBuffers) / writes,
    heapBytesPerWrite: (long.heap - short.heap) / writes,
    arrayBufferBytesPerWrite: (long.arrayBuffers - short.arrayBuffers) / writes,
    writes: [short.writes, long.writes],
    durationsMs: [shortMs, long.durationMs],
  };
}

/**
 * Measures the simulator's speed: five regions (the default topology), 1,000 writes/s and
 * 10,000 reads/s unless told otherwise, `durationMs` of simulated workload (plus warm-up and drain).
 */
export async function benchSimulator(
  options: { config?: TopologyConfig; durationMs?: number; writesPerSecond?: number; readsPerSecond?: number } = {},
): Promise<BenchResult> {
  const config = options.config ?? parseTopology(defaultTopologyText());
  const experiment = defaultExperimentOptions(config);
  const writesPerSecond = options.writesPerSecond ?? 1_000;
  const readsPerSecond = options.readsPerSecond ?? 10_000;
  experiment.durationMs = options.durationMs ?? 10_000;
  experiment.workload.writesPerSecond = writesPerSecond;
  experiment.workload.readsPerSecond = readsPerSecond;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const outcome = await simulate(experiment, 'bench');
  const cpu = process.cpuUsage(cpuStarted);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const simulatedSeconds = (outcome.endMs - outcome.workloadStartMs + experiment.warmupMs) / 1000;
  const workloadSeconds = experiment.durationMs / 1000;
  return {
    regions: config.regions.length,
    writesPerSecond,
    readsPerSecond,
    simulatedSeconds,
    workloadSeconds,
    wallSeconds,
    simulatedSecondsPerWallSecond: simulatedSeconds / wallSeconds,
    workloadSecondsPerWallSecond: workloadSeconds / wallSeconds,
    cpuSeconds,
    timersRun: outcome.timersRun,
  };
}
