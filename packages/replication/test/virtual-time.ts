import type { VirtualClock } from '@meridian/lag';

/** Runs the virtual clock ms by ms, letting promise continuations (connects) run in between. */
export async function run(clock: VirtualClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    clock.advance(1);
    await Promise.resolve();
    await Promise.resolve();
  }
}
