import type { Clock, TimerHandle } from '@meridian/lag';

/** The real clock: epoch milliseconds with sub-ms precision, and Node timers. */
export class SystemClock implements Clock {
  nowMs(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }
}
