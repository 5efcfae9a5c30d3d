import { SystemClock } from '@meridian/replication';
import { clockContract } from '../../lag/test/clock-contract.js';

/**
 * Node's timers may fire up to a millisecond before `ms` has passed on the high-resolution clock
 * (they run off the event loop's cached, whole-ms time), so `advance` waits until it has.
 */
async function advance(ms: number): Promise<void> {
  const endMs = performance.now() + ms;
  while (performance.now() < endMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(endMs - performance.now()))));
  }
}

clockContract('SystemClock', () => ({ clock: new SystemClock(), advance }), 1);
