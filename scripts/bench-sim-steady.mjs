// The simulator's steady state at one workload: `runs` runs of a 10 s workload in one warm process,
// each printed, then the fastest of the last half (the JIT and the heap settle over the first ones).
// Usage: npm run build && node scripts/bench-sim-steady.mjs [runs] [writes/s] [reads/s]
// (default 10 runs of 1,000 writes/s + 10,000 reads/s, the row `npm run bench` sets 50× for).
import { benchSimulator } from '../packages/sim/dist/index.js';

const runs = Number(process.argv[2] ?? 10);
const writesPerSecond = Number(process.argv[3] ?? 1_000);
const readsPerSecond = Number(process.argv[4] ?? 10_000);
await benchSimulator({ durationMs: 2_000, writesPerSecond, readsPerSecond });
const results = [];
for (let i = 0; i < runs; i++) {
  const result = await benchSimulator({ durationMs: 10_000, writesPerSecond, readsPerSecond });
  results.push(result);
  console.log(
    `run ${i + 1}: ${result.workloadSecondsPerWallSecond.toFixed(1)}× at the workload (${result.wallSeconds.toFixed(3)} wall s, ` +
      `${result.cpuSeconds.toFixed(3)} cpu s)`,
  );
}
const settled = results.slice(Math.floor(runs / 2));
const fastest = settled.reduce((best, result) => (result.wallSeconds < best.wallSeconds ? result : best));
console.log(
  `fastest of the last ${settled.length}: ${fastest.workloadSecondsPerWallSecond.toFixed(1)}× real time at the workload ` +
    `(${fastest.workloadSeconds} s of workload, ${fastest.simulatedSeconds} simulated s with warm-up and drain, in ` +
    `${fastest.wallSeconds.toFixed(3)} wall s)`,
);
