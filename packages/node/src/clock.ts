import type { Clock, TimerHandle } from '@meridian/lag';

/** Wall-clock time and real timers; timers do not keep the process alive on their own. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
