import { VirtualClock } from '@meridian/lag';

/**
 * Runs the virtual clock's timers one by one. The production replication code uses a few promises
 * (connect, waitForOffset); their continuations are microtasks, so whoever knows one is due calls
 * `microtasksDue()` and the loop yields once before the next timer. Yielding after every timer
 * would cost more than the rest of the simulation.
 */
export class SimScheduler {
  readonly clock: VirtualClock;
  private drainNeeded = false;
  timersRun = 0;
  /**
   * The first invariant failure. Production code may catch what a callback throws (the replica
   * treats a throwing listener as a failed apply), so failures are also parked here and rethrown.
   */
  failure: Error | undefined;

  constructor(startMs: number) {
    this.clock = new VirtualClock(startMs);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  microtasksDue(): void {
    this.drainNeeded = true;
  }

  /** Runs every timer due up to `untilMs`, then sets the time to `untilMs`. */
  async runUntil(untilMs: number): Promise<void> {
    const clock = this.clock;
    if (this.drainNeeded) await this.drain();
    if (this.failure !== undefined) throw this.failure;
    while (clock.runNext(untilMs)) {
      this.timersRun++;
      if (this.failure !== undefined) throw this.failure;
      if (this.drainNeeded) await this.drain();
    }
    clock.runUntil(untilMs);
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    this.drainNeeded = false;
    await null;
    await null;
  }
}
