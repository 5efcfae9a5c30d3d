import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_NODE_COSTS,
  CALIBRATION_FORMAT,
  drawFromQuantiles,
  loadNodeCosts,
  loneEntryCostMs,
  replicaQueueMs,
  type NodeCosts,
  runStalenessExperiment,
  WAKE_UP_QUANTILES,
  ZERO_NODE_COSTS,
} from '@meridian/sim';
import { parseTopology } from '@meridian/topology';
import { quickOptions, topology } from './helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Round figures, so the expected lags are plain sums. */
const COSTS: NodeCosts = {
  eventLoopTurnUs: 10,
  timerLateUs: 200,
  primary: {
    commitBatchUs: { none: 30, everysec: 40, always: 4000 },
    commitEntryUs: { none: 5, everysec: 5, always: 5 },
    encodeFrameUs: 20,
    encodeEntryUs: 5,
    sendFrameUs: 50,
    receiveAckUs: 20,
  },
  replica: {
    receiveFrameUs: 100,
    decodeFrameUs: 20,
    decodeEntryUs: 5,
    applyEntryUs: 40,
    commitBatchUs: { none: 30, everysec: 40, always: 4000 },
    commitEntryUs: { none: 5, everysec: 5, always: 5 },
    ackUs: 30,
  },
  client: { requestUs: 300, answerUs: 300 },
};

async function configWith(simulation: string, file?: string): Promise<ReturnType<typeof parseTopology>> {
  const dir = await mkdtemp(join(tmpdir(), 'meridian-costs-'));
  dirs.push(dir);
  if (file !== undefined) await writeFile(join(dir, 'calibration.json'), file);
  const path = join(dir, 'regions.yaml');
  const text = `version: 1
primary: us-east-1
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: 17801 }
  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, host: 127.0.0.1, port: 17802 }
router: { port: 17800 }
network: { delay: 120 }
${simulation}
`;
  await writeFile(path, text);
  return parseTopology(text, path);
}

const calibrationText = (costs: unknown): string =>
  JSON.stringify({ format: CALIBRATION_FORMAT, measuredAt: '2026-01-01T00:00:00Z', machine: {}, costs });

describe('simulation.costs in regions.yaml', () => {
  it('is builtin when absent, none or a calibration file relative to regions.yaml', async () => {
    expect(loadNodeCosts(await configWith(''))).toBe(BUILTIN_NODE_COSTS);
    expect(loadNodeCosts(await configWith('simulation: { costs: none }'))).toBe(ZERO_NODE_COSTS);
    const config = await configWith('simulation: { costs: ./calibration.json }', calibrationText(COSTS));
    expect(loadNodeCosts(config)).toEqual(COSTS);
  });

  it('names the field when the value, the file or one of its figures is wrong', async () => {
    await expect(configWith('simulation: { costs: 3 }')).rejects.toThrow(
      /simulation\.costs: must be builtin, none or the path/,
    );
    await expect(configWith('simulation: { cost: none }')).rejects.toThrow(/simulation\.cost: unknown field/);
    const missing = await configWith('simulation: { costs: ./nowhere.json }');
    expect(() => loadNodeCosts(missing)).toThrow(/simulation\.costs: \.\/nowhere\.json: cannot be read \(ENOENT\)/);
    const notJson = await configWith('simulation: { costs: ./calibration.json }', '{ nope');
    expect(() => loadNodeCosts(notJson)).toThrow(/simulation\.costs: \.\/calibration\.json: is not JSON/);
    const negative = { ...COSTS, replica: { ...COSTS.replica, applyEntryUs: -1 } };
    const wrong = await configWith('simulation: { costs: ./calibration.json }', calibrationText(negative));
    expect(() => loadNodeCosts(wrong)).toThrow(
      /simulation\.costs: \.\/calibration\.json: costs\.replica\.applyEntryUs: must be a number of µs between 0 and/,
    );
    const partial = { ...COSTS, client: { requestUs: 1 } };
    const short = await configWith('simulation: { costs: ./calibration.json }', calibrationText(partial));
    expect(() => loadNodeCosts(short)).toThrow(/costs\.client\.answerUs: must be a number/);
    expect(() => loadNodeCosts(short)).toThrow(expect.objectContaining({ code: 'MERIDIAN_CONFIG_INVALID' }));
  });
});

/** 21 quantiles from 0 to `maxUs` growing as i² (a long tail). */
const tail = (maxUs: number): number[] =>
  Array.from({ length: WAKE_UP_QUANTILES }, (_, i) => (maxUs * i * i) / (WAKE_UP_QUANTILES - 1) ** 2);
const WAKE_UPS = { frameUs: tail(8_000), timerLateUs: tail(4_000) };

describe('wake-up distributions (calibrate --load-processes)', () => {
  it('are read from a calibration file; one without them still loads; a wrong one is named', async () => {
    const withWakeUps = { ...COSTS, wakeUps: WAKE_UPS };
    const config = await configWith('simulation: { costs: ./calibration.json }', calibrationText(withWakeUps));
    expect(loadNodeCosts(config)).toEqual(withWakeUps);
    const short = { ...COSTS, wakeUps: { ...WAKE_UPS, frameUs: [1, 2, 3] } };
    const wrong = async (costs: unknown, message: RegExp) => {
      const bad = await configWith('simulation: { costs: ./calibration.json }', calibrationText(costs));
      expect(() => loadNodeCosts(bad)).toThrow(message);
    };
    await wrong(short, /costs\.wakeUps\.frameUs: must be 21 quantiles/);
    const falling = [...WAKE_UPS.timerLateUs].reverse();
    await wrong(
      { ...COSTS, wakeUps: { ...WAKE_UPS, timerLateUs: falling } },
      /timerLateUs\[1\]: quantiles must not decrease/,
    );
    await wrong({ ...COSTS, wakeUps: { ...WAKE_UPS, extra: [] } }, /costs\.wakeUps\.extra: unknown field/);
  });

  it('a draw is the quantile at its probability, linear between quantiles', () => {
    const quantiles = tail(400);
    expect(drawFromQuantiles(quantiles, 0)).toBe(0);
    expect(drawFromQuantiles(quantiles, 0.5)).toBe(100);
    expect(drawFromQuantiles(quantiles, 0.975)).toBeCloseTo((361 + 400) / 2, 9);
    expect(drawFromQuantiles(quantiles, 1)).toBe(400);
  });

  it('deliveries draw from them: lags spread out as the distributions do, and a seed replays the same run', async () => {
    const config = { ...topology(2, '  delay: 50'), durability: 'none' as const };
    const run = async (costs: NodeCosts) =>
      (
        await runStalenessExperiment(
          quickOptions(config, (o) => {
            o.nodeCosts = costs;
            o.durationMs = 4_000;
            o.workload.writesPerSecond = 50;
            o.workload.readsPerSecond = 0;
            o.workload.publishesPerSecond = 0;
          }),
        )
      ).summary;
    const plain = (await run(COSTS)).regions['eu-west-1']!;
    const drawn = await run({ ...COSTS, wakeUps: WAKE_UPS });
    const region = drawn.regions['eu-west-1']!;
    // The means (timer 200 µs, a frame's trip 150 µs) at every delivery: lags sit within a ms of 50 ms.
    expect(plain.lagMs.p99 - plain.lagMs.p50).toBeLessThan(0.5);
    // Drawn: a frame's trip up to 8 ms and a timer up to 4 ms more (the median draws 2 + 1 ms).
    expect(region.lagMs.p50).toBeGreaterThan(plain.lagMs.p50 + 2);
    expect(region.lagMs.p99).toBeGreaterThan(region.lagMs.p50 + 4);
    expect(region.lagMs.max).toBeLessThan(50 + 12 + 1);
    expect(JSON.stringify(await run({ ...COSTS, wakeUps: WAKE_UPS }))).toBe(JSON.stringify(drawn));
  });
});

describe('commit → applied between real nodes (calibrate: costs.wakeUps.pathUs)', () => {
  /** 1 to 3 ms, evenly: p50 2 ms; past a delay 0.5 to 4.5 ms, p50 2.5 ms. */
  const PATH_US = Array.from({ length: WAKE_UP_QUANTILES }, (_, i) => 1_000 + 100 * i);
  const DELAYED_PATH_US = Array.from({ length: WAKE_UP_QUANTILES }, (_, i) => 500 + 200 * i);
  const WITH_PATH = { ...COSTS, wakeUps: { ...WAKE_UPS, pathUs: PATH_US, delayedPathUs: DELAYED_PATH_US } };

  it('is read from a calibration file, optional, and named when wrong', async () => {
    const config = await configWith('simulation: { costs: ./calibration.json }', calibrationText(WITH_PATH));
    expect(loadNodeCosts(config)).toEqual(WITH_PATH);
    const bad = await configWith(
      'simulation: { costs: ./calibration.json }',
      calibrationText({ ...COSTS, wakeUps: { ...WAKE_UPS, pathUs: [...PATH_US].reverse() } }),
    );
    expect(() => loadNodeCosts(bad)).toThrow(/costs\.wakeUps\.pathUs\[1\]: quantiles must not decrease/);
  });

  it('may be finer than p0, p5, …, p100 (calibrate writes one per timed path, 201 to 1,001), never coarser', async () => {
    // p0 … p100 by 0.5: 1 to 3 ms with a long last step, as a real tail.
    const fine = Array.from({ length: 201 }, (_, i) => (i < 200 ? 1_000 + 10 * i : 9_000));
    const costs = { ...COSTS, wakeUps: { ...WAKE_UPS, pathUs: fine, delayedPathUs: DELAYED_PATH_US } };
    const config = await configWith('simulation: { costs: ./calibration.json }', calibrationText(costs));
    expect(loadNodeCosts(config)).toEqual(costs);
    // Drawn as evenly spaced quantiles: the slowest 0.5 % alone lies past 2.99 ms.
    expect(drawFromQuantiles(fine, 0.5)).toBeCloseTo(2_000, 6);
    expect(drawFromQuantiles(fine, 0.995)).toBeCloseTo(2_990, 6);
    expect(drawFromQuantiles(fine, 0.9975)).toBeCloseTo(5_995, 6);
    for (const length of [20, 1_002]) {
      const wrong = await configWith(
        'simulation: { costs: ./calibration.json }',
        calibrationText({ ...COSTS, wakeUps: { ...WAKE_UPS, delayedPathUs: Array.from({ length }, () => 500) } }),
      );
      expect(() => loadNodeCosts(wrong)).toThrow(/costs\.wakeUps\.delayedPathUs: must be 21 to 1001 quantiles/);
    }
    const coarseFrames = await configWith(
      'simulation: { costs: ./calibration.json }',
      calibrationText({ ...COSTS, wakeUps: { ...WAKE_UPS, frameUs: fine } }),
    );
    expect(() => loadNodeCosts(coarseFrames)).toThrow(/costs\.wakeUps\.frameUs: must be 21 quantiles/);
  });

  it("a lone entry takes a path drawn from its link's: without delay, or past the delay", async () => {
    const lags = async (network: string, seed = 1) => {
      const config = { ...topology(2, network), durability: 'none' as const };
      const { summary } = await runStalenessExperiment(
        quickOptions(config, (o) => {
          o.seed = seed;
          o.nodeCosts = WITH_PATH;
          o.durationMs = 20_000;
          o.workload.writesPerSecond = 20;
          o.workload.readsPerSecond = 0;
          o.workload.publishesPerSecond = 0;
        }),
      );
      return summary.regions['eu-west-1']!.lagMs;
    };
    // The modelled costs (285 µs for a lone entry here) are part of the drawn path, not added to it.
    const direct = await lags('  delay: 0');
    expect(direct.p50).toBeGreaterThan(1.9);
    expect(direct.p50).toBeLessThan(2.1);
    expect(direct.p99).toBeLessThanOrEqual(3.001);
    expect(loneEntryCostMs(WITH_PATH, 'none', 0, false)).toBeCloseTo(2, 9);
    // A delayed link: its delay, then the path past it (the delay line's lateness inside).
    const delayed = await lags('  delay: 50');
    expect(delayed.p50).toBeGreaterThan(50 + 2.3);
    expect(delayed.p50).toBeLessThan(50 + 2.7);
    expect(delayed.max).toBeLessThanOrEqual(50 + 4.5 + 0.001);
    expect(loneEntryCostMs(WITH_PATH, 'none', 0, true)).toBeCloseTo(2.5, 9);
    expect(await lags('  delay: 0')).toEqual(direct);
    expect(await lags('  delay: 0', 2)).not.toEqual(direct);
  });
});

describe('node costs in virtual time', () => {
  it('charges a link without delay the sends of the undelayed links before it, not those of the delayed ones', async () => {
    // us-east-1 → eu-west-1 and → ap-southeast-1 delayed, → sa-east-1 (third) without delay; then eu-west-1 without too.
    const lagAt = async (links: string, region: string): Promise<number> => {
      const config = { ...topology(4, `  delay: 40\n  links:\n${links}`), durability: 'none' as const };
      const options = quickOptions(config, (o) => {
        o.nodeCosts = COSTS;
        o.workload.writesPerSecond = 5;
        o.workload.readsPerSecond = 10;
        o.workload.publishesPerSecond = 0;
      });
      const { summary } = await runStalenessExperiment(options);
      const lagMs = summary.regions[region]!.lagMs;
      expect(lagMs.max - lagMs.p50, region).toBeLessThan(1e-6);
      return lagMs.p50;
    };
    const saDirect = '    - { from: us-east-1, to: sa-east-1, delayMs: 0 }\n';
    const euDirect = '    - { from: us-east-1, to: eu-west-1, delayMs: 0 }\n';
    // The real primary only queues the delayed links' frames in its turn: the third link sends first.
    expect(await lagAt(saDirect, 'sa-east-1')).toBeCloseTo(loneEntryCostMs(COSTS, 'none', 0, false), 6);
    // Behind an undelayed link, one send (50 µs) later.
    const second = loneEntryCostMs(COSTS, 'none', 1, false);
    expect(second - loneEntryCostMs(COSTS, 'none', 0, false)).toBeCloseTo(0.05, 9);
    expect(await lagAt(saDirect + euDirect, 'sa-east-1')).toBeCloseTo(second, 6);
    // A delayed link waits for no send of another: the second delayed link as the first.
    expect(await lagAt(saDirect, 'ap-southeast-1')).toBeCloseTo(40 + loneEntryCostMs(COSTS, 'none', 0, true), 6);
  });

  it('a lone write becomes visible after the delay plus every modelled cost on its path, as predicted', async () => {
    const config = { ...topology(2, '  delay: 120'), durability: 'none' as const };
    const options = quickOptions(config, (o) => {
      o.nodeCosts = COSTS;
      o.workload.writesPerSecond = 5;
      o.workload.readsPerSecond = 10;
      o.workload.publishesPerSecond = 0;
      o.workload.consistencyMix = { eventual: 1 };
    });
    const costMs = loneEntryCostMs(COSTS, config.durability, 0, true);
    // turn 10 + commit 30 + 5 + encode 20 + 5 + send 50 + timer 200 | receive 100 + decode 20 + 5 + apply 40
    // (the replica applies in the turn its read brought the frame: no turn of its own)
    expect(costMs).toBeCloseTo(0.485, 9);
    options.tVisibilityGridMs = [120, 120 + costMs - 0.001, 120 + costMs + 0.001];
    const { summary } = await runStalenessExperiment(options);
    const region = summary.regions['eu-west-1']!;
    expect(region.appliedWrites).toBeGreaterThan(20);
    expect(region.lagMs.p50).toBeCloseTo(120 + costMs, 6);
    expect(region.tVisibility.map((point) => point.measured)).toEqual([0, 0, 1]);
    // The prediction also knows a write can find the replica still busy with the one before (one closer
    // than its commit and frame, C + s): at 5 writes/s that is e^{−λ(C + s − 0.001)} ≈ 0.9989 of them.
    const queue = replicaQueueMs(COSTS, config.durability);
    const alone = Math.exp(-(5 / 1000) * (queue.headMs + queue.frameMs - 0.001));
    expect(alone).toBeLessThan(0.9995);
    const predicted = region.tVisibility.map((point) => point.predicted);
    expect(predicted.slice(0, 2)).toEqual([0, 0]);
    expect(predicted[2]).toBeCloseTo(alone, 3);
    expect(region.tVisibility.map((point) => point.predictedIdleLink)).toEqual([0, 0, 1]);
    expect(region.baseDelayMs).toBe(120);
  });

  it('a node is busy while it works: writes faster than a replica applies them queue behind each other', async () => {
    const config = { ...topology(2, '  delay: 50'), durability: 'none' as const };
    // 2 ms of apply per entry at ~1,000 writes/s: the replica needs twice the time it has.
    const slow = { ...COSTS, replica: { ...COSTS.replica, applyEntryUs: 2_000 } };
    const run = (costs: NodeCosts, writesPerSecond: number) =>
      runStalenessExperiment(
        quickOptions(config, (o) => {
          o.nodeCosts = costs;
          o.durationMs = 2_000;
          o.workload.writesPerSecond = writesPerSecond;
          o.workload.readsPerSecond = 0;
          o.workload.publishesPerSecond = 0;
        }),
      );
    const fast = (await run(slow, 100)).summary.regions['eu-west-1']!;
    const busy = (await run(slow, 1_000)).summary.regions['eu-west-1']!;
    // At 100 writes/s the replica keeps up (lag ≈ 50 ms + its costs); at 1,000 the queue grows for the whole run.
    expect(fast.lagMs.p99).toBeLessThan(60);
    expect(busy.lagMs.max).toBeGreaterThan(500);
    expect(busy.unappliedWrites).toBe(0);
  });

  it('at zero cost the simulator runs exactly as the pure network model (same summary)', async () => {
    const config = topology(3, '  delay: geo\n  jitter: { distribution: exponential, meanMs: 3 }');
    const none = await configWith('simulation: { costs: ./calibration.json }', calibrationText(ZERO_NODE_COSTS));
    const fromFile = loadNodeCosts(none);
    expect(fromFile).not.toBe(ZERO_NODE_COSTS);
    const summaryWith = async (costs: NodeCosts) =>
      JSON.stringify((await runStalenessExperiment(quickOptions(config, (o) => (o.nodeCosts = costs)))).summary);
    expect(await summaryWith(fromFile)).toBe(await summaryWith(ZERO_NODE_COSTS));
    expect(await summaryWith(COSTS)).not.toBe(await summaryWith(ZERO_NODE_COSTS));
  });
});
