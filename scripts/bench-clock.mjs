// The virtual clock alone, at about the simulator's 5,000 writes/s + 50,000 reads/s: each arrival
// (55,000 a simulated second) sets either one timer (a read's hop: 1 ms locally or 70–80 ms across
// regions) or, one in ten, eight (a write's replication deliveries and acks, 30–150 ms), as the
// simulator's heap holds them; every callback does nothing. Prints µs per timer, the clock's own
// floor per modelled event (docs/benchmarks.md uses it against the simulator's event count).
// Standalone: `npm run build && node scripts/bench-clock.mjs`.
import { VirtualClock } from '../packages/lag/dist/index.js';

const ARRIVALS_PER_SECOND = 55_000;
const SIMULATED_MS = 15_000;

function run() {
  const clock = new VirtualClock(0);
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  let timers = 0;
  const item = {};
  const arrived = () => timers++;
  const arrival = () => {
    timers++;
    const u = random();
    if (u < 0.9) clock.setTimerWith(u < 0.63 ? 1 : 70 + 10 * random(), arrived, item);
    else for (let i = 0; i < 8; i++) clock.setTimerWith(30 + 120 * random(), arrived, item);
    if (clock.nowMs() < SIMULATED_MS)
      clock.setTimer((-Math.log(random() + 1e-12) * 1000) / ARRIVALS_PER_SECOND, arrival);
  };
  clock.setTimer(0, arrival);
  const started = performance.now();
  clock.runUntil(SIMULATED_MS + 1_000);
  return { ms: performance.now() - started, timers };
}

let best;
for (let i = 0; i < 5; i++) {
  const result = run();
  if (best === undefined || result.ms < best.ms) best = result;
}
console.log(
  `virtual clock: ${best.timers.toLocaleString('en-US')} timers in ${best.ms.toFixed(0)} ms, ` +
    `${((best.ms * 1000) / best.timers).toFixed(3)} µs per timer (fastest of 5)`,
);
