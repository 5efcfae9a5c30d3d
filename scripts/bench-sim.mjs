// `npm run bench` row: the simulator's speed (simulated seconds per wall-clock second), five regions
// (the default regions.yaml), 1,000 writes/s and 10,000 reads/s. Reference: real time (ratio 1 =
// as fast as reality). A short run first warms the JIT up, as a long experiment would be by then;
// the cold figure is logged too. Standalone: `npm run build && node scripts/bench-sim.mjs [seconds]`.
import { pathToFileURL } from 'node:url';
import { benchSimulator } from '../packages/sim/dist/index.js';

export async function bench({ seconds = 10, addRow, log = () => undefined }) {
  const cold = await benchSimulator({ durationMs: 2_000 });
  const durationMs = Math.max(10, seconds * 2) * 1000;
  const result = await benchSimulator({ durationMs });
  log(
    `simulator: cold 2 s workload ${cold.simulatedSecondsPerWallSecond.toFixed(1)}×; ` +
      `warm ${durationMs / 1000} s workload ${result.simulatedSeconds} simulated s in ${result.wallSeconds.toFixed(2)} wall s ` +
      `(${result.timersRun.toLocaleString('en-US')} timers)`,
  );
  addRow(
    'simulator: 5 regions, 1,000 writes/s + 10,000 reads/s',
    result.simulatedSecondsPerWallSecond,
    'simulated s per wall s',
    1,
    'real time',
    '≥ 50× real time',
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
