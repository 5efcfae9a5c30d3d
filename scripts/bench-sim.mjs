// `npm run bench` row: the simulator's speed (simulated seconds per wall-clock second), five regions,
// 1,000 writes/s and 10,000 reads/s. Reference: real time (ratio 1 = as fast as reality).
import { benchSimulator } from '../packages/sim/dist/index.js';

export async function bench({ addRow }) {
  const result = await benchSimulator({ durationMs: 10_000 });
  addRow(
    'simulator: 5 regions, 1,000 writes/s + 10,000 reads/s',
    result.simulatedSecondsPerWallSecond,
    'simulated s per wall s',
    1,
    'real time',
    '≥ 50× real time',
  );
}
