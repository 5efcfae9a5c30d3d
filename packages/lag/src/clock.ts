/**
 * The clock port. Time and timers reach replication, lag injection and routing only through this,
 * so the simulator can run the same code on a virtual clock.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, fractional allowed (sub-ms precision for latency figures). */
  nowMs(): number;
  /** Runs `callback` after `delayMs` (≥ 0). */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /**
   * Runs `callback` once the work the current event is doing has finished, before the clock waits
   * for anything else (on the real clock a microtask: no trip through the event loop). A clock
   * without it has no such moment, and callers use `setTimer(0, …)` instead.
   */
  afterEvent?(callback: () => void): void;
}
