import type { Clock, TimerHandle } from '@meridian/lag';

const TIMER_MS_MAX = 2 ** 31 - 1;
/** Constant for the process; read once (its getter shows in profiles: replicas read the clock per entry). */
const TIME_ORIGIN_MS = performance.timeOrigin;

/** A zero-delay timer's handle: one small object (a replica arms one per received frame). */
class ImmediateHandle implements TimerHandle {
  constructor(private readonly immediate: NodeJS.Immediate) {}

  cancel(): void {
    clearImmediate(this.immediate);
  }
}

/** The real clock: epoch milliseconds with sub-ms precision, and Node timers. */
export class SystemClock implements Clock {
  nowMs(): number {
    return TIME_ORIGIN_MS + performance.now();
  }

  afterEvent(callback: () => void): void {
    queueMicrotask(callback);
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // setTimeout(0) waits a whole millisecond; zero-delay timers (batching a turn's appends, the
    // replica's apply loop) run after pending I/O instead, which keeps commit→applied sub-ms.
    if (!(delayMs > 0)) return new ImmediateHandle(setImmediate(callback));
    // Node overflows delays past 2^31 - 1 ms (TimeoutOverflowWarning, then fires at once): wait
    // in steps of at most that.
    let handle: NodeJS.Timeout;
    const dueMs = this.nowMs() + delayMs;
    const arm = (remainingMs: number): void => {
      handle = setTimeout(
        () => {
          const left = dueMs - this.nowMs();
          if (left > 1) arm(left);
          else callback();
        },
        Math.min(remainingMs, TIMER_MS_MAX),
      );
    };
    if (delayMs <= TIMER_MS_MAX) handle = setTimeout(callback, delayMs);
    else arm(delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}
