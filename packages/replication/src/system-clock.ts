import type { Clock, TimerHandle } from '@meridian/lag';

/** The real clock: epoch milliseconds with sub-ms precision, and Node timers. */
export class SystemClock implements Clock {
  nowMs(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // setTimeout(0) waits a whole millisecond; zero-delay timers (batching a turn's appends, the
    // replica's apply loop) run after pending I/O instead, which keeps commit→applied sub-ms.
    if (!(delayMs > 0)) {
      const immediate = setImmediate(callback);
      return { cancel: () => clearImmediate(immediate) };
    }
    const handle = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}
