// `npm run bench` rows: the simulator's speed at three workloads on five regions (the default
// regions.yaml; issue 14's targets), as simulated seconds under the workload per wall-clock second of
// the whole run (its warm-up and drain carry next to no traffic: counted as simulated time they
// made a short row look twice as fast as the rate at its workload). Reference: real time (ratio 1 =
// as fast as reality). A short run and then each row once, unmeasured, warm the process up, as a long
// experiment would be by then; the cold and warm-up figures are logged too. Then the rows run in three
// alternating rounds and each keeps its fastest (every round is logged).
// Then the same three workloads on the nodes' own code alone (benchNodeCodeFloor): the most each row
// could reach, so the rows show what the simulator's model costs on top of the code it runs.
// Standalone: `npm run build && node scripts/bench-sim.mjs [seconds]`.
import { pathToFileURL } from 'node:url';
import {
  benchNodeCodeFloor,
  benchSimulator,
  benchSimulatorMemory,
  topologyWithRegions,
} from '../packages/sim/dist/index.js';

/** The three workloads issue 14 sets targets for (five regions each). */
const WORKLOADS = [
  {
    writesPerSecond: 200,
    readsPerSecond: 2_000,
    target: '≥ 100× real time',
    label: 'default workload: 200 writes/s + 2,000 reads/s',
  },
  {
    writesPerSecond: 1_000,
    readsPerSecond: 10_000,
    target: '≥ 50× real time',
    label: '1,000 writes/s + 10,000 reads/s',
  },
  {
    writesPerSecond: 5_000,
    readsPerSecond: 50_000,
    target: '≥ 10× real time',
    label: '5,000 writes/s + 50,000 reads/s',
  },
];

/** Rounds of the three rows; each row keeps its fastest. */
const ROUNDS = 3;

/**
 * The same number of simulated events per row, roughly (heavier workloads run shorter), and never
 * under 10 s of workload, so a run's fixed costs (building the nodes) weigh little.
 */
function rowDurationMs(seconds, workload) {
  const scale = 1_000 / workload.writesPerSecond;
  return Math.max(10, Math.round(seconds * 2 * scale)) * 1000;
}

export async function bench({ seconds = 10, addRow, log = () => undefined }) {
  const cold = await benchSimulator({ durationMs: 2_000 });
  log(`simulator: cold 2 s workload ${cold.workloadSecondsPerWallSecond.toFixed(1)}×`);
  // A row measured right after one short run was up to twice as slow as the same row run again in the
  // same process (why is not established: JIT tiers and the young generation's growth are candidates).
  for (const workload of WORKLOADS) {
    const warm = await benchSimulator({ durationMs: rowDurationMs(seconds, workload), ...workload });
    log(`simulator, ${workload.label}: warm-up run ${warm.workloadSecondsPerWallSecond.toFixed(1)}× per wall s`);
  }
  // Each row in ROUNDS alternating rounds, keeping its fastest (as the scaling row does): one run
  // swung by a quarter with the neighbours' bursts on a 2-core machine and with where in the JIT's
  // settling it fell, and the fastest of three is the steady state the simulator reaches.
  const best = await fastestOfRounds(
    (workload) => benchSimulator({ durationMs: rowDurationMs(seconds, workload), ...workload }),
    (workload, round, result) =>
      `simulator, ${workload.label}, round ${round}: ${result.workloadSeconds} s workload (${result.simulatedSeconds} ` +
      `simulated s with warm-up and drain) in ${result.wallSeconds.toFixed(2)} wall s, ${result.cpuSeconds.toFixed(2)} cpu s ` +
      `(${result.workloadSecondsPerWallSecond.toFixed(1)}× at the workload; ${result.simulatedSecondsPerWallSecond.toFixed(1)}× over the whole run; ` +
      `${result.timersRun.toLocaleString('en-US')} timers)`,
    log,
  );
  for (const [i, workload] of WORKLOADS.entries()) {
    addRow(
      `simulator: 5 regions, ${workload.label} (best of ${ROUNDS})`,
      best[i].workloadSecondsPerWallSecond,
      'workload s per wall s',
      1,
      'real time',
      workload.target,
    );
  }
  await benchFloor({ seconds, best, addRow, log });
  await benchScaling({ seconds, addRow, log });
  await benchMemory({ addRow, log });
}

/**
 * `measure` of each workload in ROUNDS alternating rounds (every run logged by `describe`); per
 * workload, the run with the most workload seconds per wall second.
 */
async function fastestOfRounds(measure, describe, log) {
  const fastest = WORKLOADS.map(() => undefined);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, workload] of WORKLOADS.entries()) {
      const result = await measure(workload);
      log(describe(workload, round + 1, result));
      if (fastest[i] === undefined || result.workloadSecondsPerWallSecond > fastest[i].workloadSecondsPerWallSecond) {
        fastest[i] = result;
      }
    }
  }
  return fastest;
}

/**
 * The simulator's floor at each row's workload: the nodes' own code alone (benchNodeCodeFloor: the
 * primary's and four replicas' real code, no clients, links, costs, consistency levels or
 * measurements), in three alternating rounds, keeping each workload's fastest. The simulator's row
 * cannot be faster than this; its wall time over this one's is what the model costs on top.
 */
async function benchFloor({ seconds, best, addRow, log = () => undefined }) {
  const floors = await fastestOfRounds(
    (workload) => benchNodeCodeFloor({ durationMs: rowDurationMs(seconds, workload), ...workload }),
    (workload, round, result) =>
      `nodes' own code alone, ${workload.label}, round ${round}: ${result.workloadSeconds} s workload in ` +
      `${result.wallSeconds.toFixed(3)} wall s (${result.workloadSecondsPerWallSecond.toFixed(1)}×)`,
    log,
  );
  for (const [i, workload] of WORKLOADS.entries()) {
    const floor = floors[i];
    const simulator = best[i];
    const modelOverNodes = floor.workloadSecondsPerWallSecond / simulator.workloadSecondsPerWallSecond - 1;
    log(
      `simulator, ${workload.label}: ${simulator.workloadSecondsPerWallSecond.toFixed(1)}× against its floor's ` +
        `${floor.workloadSecondsPerWallSecond.toFixed(1)}×: the model costs ${modelOverNodes.toFixed(2)}× the nodes' code`,
    );
    addRow(
      `simulator's floor: the nodes' own code alone, ${workload.label} (best of ${ROUNDS})`,
      floor.workloadSecondsPerWallSecond,
      'workload s per wall s',
      1,
      'real time',
      'none (the most the row above can reach)',
    );
  }
}

/**
 * Wall-clock µs per simulated write at 5, 10 and 20 regions, same workload (1,000 writes/s, 1,000
 * reads/s): each region adds a replica that applies every write, so linear growth is a ratio of
 * at most 20 ÷ 5 = 4 between the last and the first. Each size runs at least 10 simulated seconds
 * (a 5-region run of 2 s took ~50 ms of wall clock, where one GC or a neighbour's burst swung the
 * ratio from 3.2 to 7.8), in three alternating rounds, keeping each size's lowest cost.
 */
async function benchScaling({ seconds = 10, addRow, log = () => undefined }) {
  const sizes = [5, 10, 20];
  const costs = sizes.map(() => Infinity);
  for (let round = 0; round < 3; round++) {
    for (const [i, regions] of sizes.entries()) {
      const result = await benchSimulator({
        config: topologyWithRegions(regions),
        durationMs: Math.max(10, seconds) * 1000,
        writesPerSecond: 1_000,
        readsPerSecond: 1_000,
      });
      const perWriteUs = (result.wallSeconds * 1e6) / (result.workloadSeconds * 1_000);
      const cpuPerWriteUs = (result.cpuSeconds * 1e6) / (result.workloadSeconds * 1_000);
      costs[i] = Math.min(costs[i], perWriteUs);
      log(
        `simulator, ${regions} regions, 1,000 writes/s + 1,000 reads/s: ${perWriteUs.toFixed(1)} µs per write ` +
          `(${cpuPerWriteUs.toFixed(1)} µs of cpu)`,
      );
    }
  }
  addRow(
    'simulator: cost per write, 20 regions ÷ 5 regions',
    costs[2] / costs[0],
    'x',
    4,
    'linear (20 ÷ 5)',
    '≤ 4 (at most linear)',
  );
}

/**
 * Heap and array buffers kept per write past the primary log's retention, the longer run ending at the
 * same point of the nodes' snapshot cycles as the shorter (needs --expose-gc).
 */
async function benchMemory({ addRow, log = () => undefined }) {
  const result = await benchSimulatorMemory();
  if (result === undefined) {
    log('simulator memory: skipped (run node with --expose-gc, as npm run bench does)');
    return;
  }
  log(
    `simulator memory: runs of ${result.durationsMs.map((ms) => ms / 1000).join(' and ')} s, ` +
      `${result.writes.join(' and ')} entries, ${result.bytesPerWrite.toFixed(1)} B kept per write between them ` +
      `(heap ${result.heapBytesPerWrite.toFixed(1)}, array buffers ${result.arrayBufferBytesPerWrite.toFixed(1)})`,
  );
  addRow(
    'simulator: heap and array buffers kept per write past the log retention (2,000 w/s)',
    result.bytesPerWrite,
    'B',
    undefined,
    undefined,
    '≈ 0 (bounded by retention)',
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await bench({
    seconds: Number(process.argv[2] ?? 10),
    addRow: (name, value, unit, _reference, _referenceName, target) =>
      console.log(`${name}: ${value.toFixed(1)} ${unit}; target ${target}`),
    log: (text) => console.log(text),
  });
}
