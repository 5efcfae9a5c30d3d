import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram, calibrate, experimentHooks, freeLoopbackPorts } from '@meridian/cli';
import {
  defaultExperimentOptions,
  drawFromQuantiles,
  type ExperimentOptions,
  type LiveSession,
  loadNodeCosts,
  type NodeCosts,
  quantile,
  runLiveExperiment,
  simulate,
  summarizeLive,
  ZERO_NODE_COSTS,
} from '@meridian/sim';
import { parseTopology } from '@meridian/topology';

/**
 * Live mode against real processes (`meridian node` children on free ports, temp data) and the
 * agreement between the simulator, with the nodes' costs modelled, and the live system on one config.
 */
const DELAY_MS = 50;
const JITTER_MEAN_MS = 10;
/** Probe writes per second in the live run (and writes per second in the simulated one). */
const PROBES_PER_SECOND = 40;
/** The live run's length: `MERIDIAN_SIM_LIVE_MS` for a longer comparison (see docs/experiments.md). */
const LIVE_MS = Number(process.env['MERIDIAN_SIM_LIVE_MS'] ?? 8_000);
/**
 * Sim vs live (also in docs/experiments.md). Both sides measure commit at the primary → applied at
 * the replica: live by the nodes' own clocks (x-meridian-timing), simulated with the costs `meridian
 * calibrate` measures on this machine just before the run (quick mode); nothing measured in the live
 * run is added. Per replica, over 200 evenly spaced t from the smallest lag to the 99.9th percentile,
 * with σ what sampling alone gives at these sizes:
 * - always: the live median is not below the modelled one by more than 3σ plus the calibrated
 *   path's interquartile range (the calibrated costs do not overshoot; the path moves with the
 *   machine's load between calibrate and the run), and the cost model's RMSE is no worse than the
 *   pure network model's;
 * - with MERIDIAN_SIM_LIVE_STRICT=1 (a quiet machine): t-visibility RMSE ≤ max(1 %, 3σ_RMSE), σ_RMSE
 *   = √(mean_t p(1−p) · (1/n_live + 1/n_sim)) (≈ 0.015 at ~300 probes; + 1/PATH_WRITES on the link
 *   without delay, whose modelled lag is the calibrated path), and medians within max(1 ms,
 *   3σ), σ = √(1/n_live + 1/n_sim) / (2 f(median)) (≈ 0.75 ms at ~300 probes on the delayed links).
 *   On the shared 2-core machine this was written on, before the drawn paths, two 60 s runs at load
 *   average ~2 met it on both delayed links (RMSE 0.009–0.019, medians +0.4 to +1.0 ms) but not on the
 *   link without delay (RMSE 0.17–0.22, +1.0–1.1 ms). With the real nodes' commit → applied paths
 *   calibrate measures and both sides warmed with 3,000 writes, at load 3.7 → 1.9: the delayed links
 *   0.008 and 0.006, +0.24 and +0.14 ms, the link without delay 0.057 (its shape), −0.02 ms; at load
 *   6–14 every replica misses the RMSE bar (docs/experiments.md).
 */
/**
 * Writes calibrate times for the commit → applied paths: as many as the live run has probes (the
 * simulator draws each path from their quantiles; 150 gave the curve on the link without delay a
 * sampling error of its own), at least quick mode's 150.
 */
const PATH_WRITES = Math.max(150, Math.round((LIVE_MS / 1000) * PROBES_PER_SECOND));
/** Busy processes beside calibrate's wake-up measurements: the live run's four nodes and its router. */
const LOAD_PROCESSES = 5;
const STRICT = process.env['MERIDIAN_SIM_LIVE_STRICT'] === '1';
/**
 * Calibrate the paths on nodes shaped as the live topology (its three replicas on their links' delays
 * and jitter, plus one on a 10 ms link for the path past a delay: `meridian calibrate --config`)
 * instead of calibrate's own three nodes: in strict mode, or with MERIDIAN_SIM_SHAPED_CALIBRATE=1
 * (=0: never). The default mode keeps calibrate's own nodes (one process fewer beside CI's tests).
 */
const SHAPED_CALIBRATE =
  process.env['MERIDIAN_SIM_SHAPED_CALIBRATE'] === '1' ||
  (STRICT && process.env['MERIDIAN_SIM_SHAPED_CALIBRATE'] !== '0');
/** Pub/sub figures: loopback noise allowed around a delivery (SSE, the load generator's own loop). */
const PUBSUB_NOISE_MS = 5;
const RMSE_BAR = 0.01;
const P50_BAR_MS = 1;
const SIGMAS = 3;

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(extra = ''): Promise<{ path: string; text: string; dir: string }> {
  const [router, a, b, c, d] = await freeLoopbackPorts(5);
  const dir = await mkdtemp(join(tmpdir(), 'meridian-live-'));
  dirs.push(dir);
  const text = `version: 1
primary: us-east-1
dataDir: ./data
durability: none
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: ${a} }
  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, host: 127.0.0.1, port: ${b} }
  - { name: ap-southeast-1, location: { lat: 1.35, lon: 103.8 }, host: 127.0.0.1, port: ${c} }
  - { name: us-east-2, location: { lat: 40.0, lon: -83.0 }, host: 127.0.0.1, port: ${d} }
router: { host: 127.0.0.1, port: ${router}, region: us-east-1 }
network:
  delay: ${DELAY_MS}
  jitter: { distribution: exponential, meanMs: ${JITTER_MEAN_MS} }
  jitterMode: per-message
  links:
    - { from: us-east-1, to: us-east-2, delayMs: 0, jitter: { distribution: fixed, valueMs: 0 } }
    - { from: us-east-2, to: us-east-1, delayMs: 0, jitter: { distribution: fixed, valueMs: 0 } }
replication: { heartbeatMs: 100 }
${extra}`;
  const path = join(dir, 'regions.yaml');
  await writeFile(path, text);
  return { path, text, dir };
}

/**
 * An unmeasured live run of the same workload before the measured one, after warmUp: in two idle strict
 * runs of 180 s the link without delay's live path was slower in the first quarter of the run than after
 * it (p50 / p90 0.97 / 1.84 ms, then 0.91 / 1.55, 0.86 / 1.54, 0.87 / 1.53; its first half against its second
 * half an RMSE of 0.027 and 0.038, five to seven times sampling), while calibrate's path, measured
 * after a warm-up of its own, matched the later quarters (p90 1.55). A quarter of the run, 8 to 45 s.
 */
const SETTLE_MS = Math.min(45_000, Math.max(8_000, LIVE_MS / 4));
/** Writes (each read back at every replica) that warm the fresh nodes up before the measured run. */
const WARM_UP_WRITES = 3_000;
const WARM_UP_CONCURRENCY = 20;

/**
 * Fresh node processes run their code cold (V8 compiles what runs often): at 40 writes/s commit →
 * applied on the link without delay went from 2.3 to 1.5 ms at the median over the first 900
 * writes. The simulator models warm nodes (calibrate measures them warm), so the live run is
 * measured after its nodes have served as many writes and `session` reads as that.
 */
async function warmUp(live: LiveSession['topology'], primary: string, replicas: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < WARM_UP_WRITES) {
      const key = `warm-up:${next++ % 100}`;
      const write = await live.request(primary, ['SET', key, 'v'.repeat(64)], { 'x-meridian-timing': '1' });
      const token = write.headers['upstash-sync-token'] ?? '';
      const headers = { 'x-meridian-consistency': 'session', 'upstash-sync-token': token, 'x-meridian-timing': '1' };
      await Promise.all(replicas.map((replica) => live.request(replica, ['GET', key], headers)));
    }
  };
  await Promise.all(Array.from({ length: WARM_UP_CONCURRENCY }, worker));
}

/** The simulated lags, each at its histogram bucket's upper edge (within 0.01 %). */
function simLags(outcome: Awaited<ReturnType<typeof simulate>>, region: string): number[] {
  return Array.from(outcome.recorder.lags.get(region)?.appliedLagMs.sample() ?? []);
}

/** The simulated replica lags, 60 simulated seconds at the probes' write rate, under `costs`. */
async function simulatedLags(
  config: ReturnType<typeof parseTopology>,
  costs: NodeCosts,
): Promise<Map<string, number[]>> {
  const options = defaultExperimentOptions(config);
  options.durationMs = 60_000;
  options.nodeCosts = costs;
  options.workload = { ...options.workload, writesPerSecond: PROBES_PER_SECOND, readsPerSecond: 0 };
  const outcome = await simulate(options, 'test');
  return new Map(['eu-west-1', 'ap-southeast-1', 'us-east-2'].map((region) => [region, simLags(outcome, region)]));
}

const sorted = (values: readonly number[]): Float64Array => Float64Array.from(values).sort();
const p50 = (values: readonly number[]): number => quantile(sorted(values), 0.5);

/** P(lag ≤ t) of a sorted sample. */
function cdf(values: Float64Array, t: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((values[middle] as number) <= t) low = middle + 1;
    else high = middle;
  }
  return low / values.length;
}

interface Agreement {
  rmse: number;
  rmseSampling: number;
  medianDiffMs: number;
  medianSigmaMs: number;
}

/** The two t-visibility curves over 200 t from the smallest lag to the 99.9th percentile. */
function agreement(live: readonly number[], simulated: readonly number[], calibrated = 0): Agreement {
  const a = sorted(live);
  const b = sorted(simulated);
  const from = Math.min(a[0] as number, b[0] as number);
  const to = Math.max(quantile(a, 0.999), quantile(b, 0.999));
  let squares = 0;
  let variance = 0;
  const points = 200;
  for (let i = 0; i < points; i++) {
    const t = from + ((to - from) * i) / (points - 1);
    const measured = cdf(a, t);
    const predicted = cdf(b, t);
    squares += (measured - predicted) ** 2;
    const pooled = (measured + predicted) / 2;
    variance += pooled * (1 - pooled);
  }
  const scale = 1 / a.length + 1 / b.length + (calibrated > 0 ? 1 / calibrated : 0);
  const median = quantile(b, 0.5);
  const densityPerMs = Math.max(1e-3, (cdf(b, median + 1) - cdf(b, median - 1)) / 2);
  return {
    rmse: Math.sqrt(squares / points),
    rmseSampling: Math.sqrt((variance / points) * scale),
    medianDiffMs: quantile(a, 0.5) - median,
    medianSigmaMs: Math.sqrt(scale) / (2 * densityPerMs),
  };
}

describe('live staleness experiments', () => {
  it(
    'agrees with the simulator and its calibrated node costs on each replica (t-visibility RMSE, medians)',
    async () => {
      const { path, dir, text } = await writeConfig('simulation: { costs: ./calibration.json }\n');
      // The costs of this machine, now: what `meridian calibrate` writes (fewer samples).
      const calibration = await calibrate({
        dir,
        log: () => undefined,
        quick: true,
        loadProcesses: LOAD_PROCESSES,
        pathWrites: PATH_WRITES,
        ...(SHAPED_CALIBRATE ? { topology: parseTopology(text, path) } : {}),
      });
      await writeFile(join(dir, 'calibration.json'), JSON.stringify(calibration));
      const config = parseTopology(await readFile(path, 'utf8'), path);
      const costs = loadNodeCosts(config);
      expect(costs).toEqual(calibration.costs);
      const paths = { direct: costs.wakeUps?.pathUs ?? [], delayed: costs.wakeUps?.delayedPathUs ?? [] };
      const pathText = (quantiles: readonly number[]): string =>
        [0, 0.1, 0.5, 0.9, 0.99, 1].map((p) => (drawFromQuantiles(quantiles, p) / 1000).toFixed(2)).join(' ');
      console.log(
        `calibrate (load ${String(calibration.machine['loadAverageBefore'])}): commit → applied between real nodes ` +
          `p0 p10 p50 p90 p99 p100 (ms) ${pathText(paths.direct)}; past a delay ${pathText(paths.delayed)}`,
      );

      const session: LiveSession = await experimentHooks.liveTopology!({
        config,
        configPath: path,
        attach: false,
        freePorts: false,
        log: () => undefined,
      });
      let live: Awaited<ReturnType<typeof runLiveExperiment>>;
      try {
        await warmUp(session.topology, 'us-east-1', ['eu-west-1', 'ap-southeast-1', 'us-east-2']);
        const options: ExperimentOptions = {
          ...defaultExperimentOptions(config),
          mode: 'live',
          durationMs: LIVE_MS,
          warmupMs: 500,
          live: session.topology,
          liveProbes: { probesPerSecond: PROBES_PER_SECOND, method: 'wait', pollIntervalMs: 2 },
        };
        options.workload = {
          ...options.workload,
          writesPerSecond: 0,
          readsPerSecond: 20,
          publishesPerSecond: 25,
          clientsPerRegion: 2,
        };
        // The live workload itself (its publishes and subscribers, reads and probes) first runs unmeasured:
        // its own code paths start cold as well (warmUp runs only SETs and reads).
        await runLiveExperiment({ ...options, durationMs: SETTLE_MS }, session.topology);
        live = await runLiveExperiment(options, session.topology);
      } finally {
        await session.close();
      }
      const modelled = await simulatedLags(config, costs);
      const pure = await simulatedLags(config, ZERO_NODE_COSTS);
      // What a probe adds (calibrated, not measured in the live run): its write reaches the primary
      // `request` after it was sent; its read, sent once the write's answer is back, is answered once
      // the replica has applied the write, and that answer takes `answer` to come back.
      const requestMs = costs.client.requestUs / 1000;
      const answerMs = costs.client.answerUs / 1000;
      const probeLagMs = (lagMs: number): number => Math.max(requestMs + lagMs, 2 * requestMs + answerMs) + answerMs;
      const lagsOf = (region: string, path: 'lagMs' | 'probeLagMs'): number[] =>
        live.probes.flatMap((probe) => {
          const lag = probe.ok ? probe[path].get(region) : undefined;
          return lag === undefined ? [] : [lag];
        });
      const results = ['eu-west-1', 'ap-southeast-1', 'us-east-2'].map((region) => {
        // Commit at the primary → applied at the replica, by the nodes' own clocks (timing headers),
        // against the same quantity in the simulator: no client path on either side.
        const liveLags = lagsOf(region, 'lagMs');
        const probePath = lagsOf(region, 'probeLagMs');
        // On the link without delay the modelled lag is the calibrated path itself, an estimate from
        // PATH_WRITES writes: its sampling counts as the simulator's own does.
        const withCosts = agreement(liveLags, modelled.get(region) ?? [], region === 'us-east-2' ? PATH_WRITES : 0);
        const without = agreement(liveLags, pure.get(region) ?? []);
        // The probe's own path (send → the replica's answer) against the model plus the calibrated
        // client path: the figure before the nodes reported their times, kept for comparison.
        const throughProbe = agreement(probePath, (modelled.get(region) ?? []).map(probeLagMs));
        const report =
          `${region}: ${liveLags.length} probes, live p50 ${p50(liveLags).toFixed(2)} ms; with the cost model ` +
          `RMSE ${withCosts.rmse.toFixed(4)} (sampling ${withCosts.rmseSampling.toFixed(4)}), p50 diff ` +
          `${withCosts.medianDiffMs.toFixed(2)} ms (σ ${withCosts.medianSigmaMs.toFixed(2)}); without: RMSE ` +
          `${without.rmse.toFixed(4)}, p50 diff ${without.medianDiffMs.toFixed(2)} ms; probe path: RMSE ` +
          `${throughProbe.rmse.toFixed(4)}, p50 diff ${throughProbe.medianDiffMs.toFixed(2)} ms`;
        console.log(report);
        const quantiles = (values: readonly number[]): string =>
          [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) => quantile(sorted(values), q).toFixed(2)).join(' ');
        console.log(
          `${region} p0 p10 p25 p50 p75 p90 p99 (ms): live ${quantiles(liveLags)}; with the cost model ` +
            `${quantiles(modelled.get(region) ?? [])}; without ${quantiles(pure.get(region) ?? [])}`,
        );
        // How steady the live path itself is: its first half against its second, the same figure
        // between two samples of one run (a bar below it asks the model for more than the machine repeats).
        const half = Math.floor(liveLags.length / 2);
        const halves = agreement(liveLags.slice(0, half), liveLags.slice(half));
        const quarter = Math.floor(liveLags.length / 4);
        const byQuarter = [0, 1, 2, 3]
          .map((i) => sorted(liveLags.slice(i * quarter, (i + 1) * quarter)))
          .map((values) => `${quantile(values, 0.5).toFixed(2)}/${quantile(values, 0.9).toFixed(2)}`);
        console.log(
          `${region} live first half against second half: RMSE ${halves.rmse.toFixed(4)} (sampling ` +
            `${halves.rmseSampling.toFixed(4)}), p50 diff ${halves.medianDiffMs.toFixed(2)} ms; p50/p90 by quarter ` +
            `of the run (ms) ${byQuarter.join(' ')}`,
        );
        return { region, liveLags, probePath, withCosts, without, report };
      });
      // A probe on the link without delay measures the machine, not the model: beyond the configured
      // delay nothing here compares (the old test's guard; it adds nothing to the simulator).
      const noDelay = p50(results.find((result) => result.region === 'us-east-2')?.probePath ?? []);
      expect(
        noDelay,
        `a probe takes ${noDelay.toFixed(1)} ms on a link without delay: the machine is too busy`,
      ).toBeLessThan(DELAY_MS);
      for (const { region, liveLags, probePath, withCosts, without, report } of results) {
        expect(liveLags.length).toBeGreaterThan((LIVE_MS / 1000) * PROBES_PER_SECOND * 0.6);
        // The nodes reported their times for every probe the replica answered (they were asked to
        // record them before the first probe).
        expect(liveLags.length, report).toBe(probePath.length);
        // The nodes' clocks agree with each other: commit → applied by them lies inside the probe's
        // own path (its send before the commit, its answer's arrival after the apply) for every probe.
        const outside = live.probes.filter(
          (probe) => (probe.lagMs.get(region) ?? -Infinity) > (probe.probeLagMs.get(region) ?? Infinity),
        );
        expect(outside.length, `${region}: node-clock lag above the probe's own path`).toBe(0);
        // Nothing is visible before the configured delay: the measurement is not early.
        if (region !== 'us-east-2') expect(Math.min(...liveLags)).toBeGreaterThanOrEqual(DELAY_MS - 1);
        // The modelled costs are not more than the real system pays (the calibration does not
        // overshoot: by no more than the calibrated path's own interquartile range, as the machine's
        // load moves between calibrate and the live run), and they bring the simulator closer to it.
        const path = region === 'us-east-2' ? paths.direct : paths.delayed;
        const pathSpreadMs = (drawFromQuantiles(path, 0.75) - drawFromQuantiles(path, 0.25)) / 1000;
        expect(withCosts.medianDiffMs, report).toBeGreaterThanOrEqual(
          -(SIGMAS * withCosts.medianSigmaMs + pathSpreadMs),
        );
        expect(withCosts.rmse, report).toBeLessThanOrEqual(without.rmse + withCosts.rmseSampling);
        if (!STRICT) continue;
        expect(withCosts.rmse, report).toBeLessThanOrEqual(Math.max(RMSE_BAR, SIGMAS * withCosts.rmseSampling));
        expect(Math.abs(withCosts.medianDiffMs), report).toBeLessThanOrEqual(
          Math.max(P50_BAR_MS, SIGMAS * withCosts.medianSigmaMs),
        );
      }
      // Pub/sub over real SSE streams: every region's subscriber got every message, each replica
      // after the link's delay (the message rides the replication stream), beside its write lag.
      const summary = summarizeLive(live);
      expect(summary.totals.publishes).toBeGreaterThan(100);
      for (const [region, figures] of Object.entries(summary.regions)) {
        const pubsub = figures.pubsub;
        expect(pubsub.published, region).toBeGreaterThan(100);
        expect(pubsub.lost, region).toBe(0);
        expect(pubsub.endToEndMs.p50, region).toBeGreaterThanOrEqual(pubsub.deliveryMs.p50);
      }
      // The primary's own subscriber stands for the commit (or the publisher's answer, when it came
      // first): what remains there is loopback noise.
      expect(summary.regions['us-east-1']?.pubsub.deliveryMs.p50).toBeLessThanOrEqual(PUBSUB_NOISE_MS);
      for (const region of ['eu-west-1', 'ap-southeast-1']) {
        const { pubsub, lagMs } = summary.regions[region]!;
        const report = `${region}: pub/sub delivery p50 ${pubsub.deliveryMs.p50} ms, write lag p50 ${lagMs.p50} ms`;
        console.log(report);
        expect(pubsub.deliveryMs.p50, report).toBeGreaterThanOrEqual(DELAY_MS - 1);
        expect(Math.abs(pubsub.deliveryMs.p50 - lagMs.p50), report).toBeLessThanOrEqual(3 * PUBSUB_NOISE_MS);
      }
    },
    120_000 + 3 * LIVE_MS,
  );

  it('meridian experiment staleness --mode live launches, measures through a crash and a lag spike, and writes the outputs', async () => {
    const { path, dir } = await writeConfig();
    const faults = join(dir, 'faults.yaml');
    await writeFile(
      faults,
      `faults:
  - { kind: lag, atMs: 1000, durationMs: 1500, from: us-east-1, to: eu-west-1, delayMs: 300 }
  - { kind: replica-crash, atMs: 2000, durationMs: 1000, region: ap-southeast-1 }
`,
    );
    const out = join(dir, 'out');
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await buildProgram().parseAsync(
        [
          'experiment',
          'staleness',
          '--mode',
          'live',
          '--config',
          path,
          '--free-ports',
          '--faults',
          faults,
          '--duration-ms',
          '4000',
          '--writes-per-second',
          '20',
          '--reads-per-second',
          '100',
          '--out',
          out,
        ],
        { from: 'user' },
      );
    } finally {
      log.mockRestore();
      errors.mockRestore();
    }
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      mode: string;
      regions: Record<
        string,
        {
          role: string;
          appliedWrites: number;
          unappliedWrites: number;
          lagMs: Record<string, number>;
          tVisibility: { tMs: number; measured: number; predicted: number }[];
          pubsub: { published: number; delivered: number; lost: number; deliveryMs: Record<string, number> };
        }
      >;
      failures: Record<string, number>;
      consistency: Record<string, { reads: number; readYourWritesViolations: number; monotonicViolations: number }>;
      faults: unknown[];
      invariants: { convergedReplicas: string[]; digestChecks: number };
    };
    expect(summary.mode).toBe('live');
    expect(summary.faults).toHaveLength(2);
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      const figures = summary.regions[region]!;
      expect(figures.role).toBe('replica');
      expect(Object.keys(figures.lagMs).sort()).toEqual(['max', 'p50', 'p90', 'p99', 'p999']);
      expect(figures.lagMs['p50']).toBeGreaterThanOrEqual(DELAY_MS - 1);
      expect(figures.unappliedWrites).toBeLessThanOrEqual(figures.appliedWrites * 0.05);
      expect(figures.tVisibility.every((point) => point.measured >= 0 && point.measured <= 1)).toBe(true);
    }
    // The lag spike to eu-west-1 shows in its tail (300 ms instead of 50), in pub/sub delivery too.
    expect(summary.regions['eu-west-1']!.lagMs['max']).toBeGreaterThan(250);
    const euPubsub = summary.regions['eu-west-1']!.pubsub;
    expect(euPubsub.published).toBeGreaterThan(40);
    expect(euPubsub.lost).toBe(0);
    expect(euPubsub.deliveryMs['max']).toBeGreaterThan(250);
    // The crashed region's subscriber was cut off and subscribed again after the restart; what was
    // published meanwhile is either delivered late (the restarted replica catches up through the
    // log) or counted lost, never hidden.
    const apPubsub = summary.regions['ap-southeast-1']!.pubsub;
    const cutOff = Object.keys(summary.failures).filter((reason) =>
      /^pubsub subscriber at ap-southeast-1: .+ \(resubscribed when the node answers\)$/.test(reason),
    );
    expect(cutOff).toHaveLength(1);
    expect(apPubsub.delivered).toBeGreaterThan(0);
    expect(apPubsub.lost > 0 || apPubsub.deliveryMs['max']! > 500).toBe(true);
    expect(apPubsub.delivered + apPubsub.lost).toBe(apPubsub.published);
    for (const level of ['session', 'strong']) {
      expect(summary.consistency[level]!.reads).toBeGreaterThan(0);
      expect(summary.consistency[level]!.readYourWritesViolations).toBe(0);
      expect(summary.consistency[level]!.monotonicViolations).toBe(0);
    }
    expect(summary.invariants.convergedReplicas.sort()).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-2']);
    expect(summary.invariants.digestChecks).toBe(3);
    expect(printed.join('\n')).toMatch(/ap-southeast-1/);
  }, 60_000);
});
