import type { Clock, TimerHandle } from './clock.js';

interface Timer {
  readonly atMs: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

function before(a: Timer, b: Timer): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

/**
 * A clock for the simulator: time moves only when told to, and timers due at the same time run in
 * the order they were set, so a run replays exactly.
 */
export class VirtualClock implements Clock {
  private now: number;
  private sequence = 0;
  private readonly heap: Timer[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: Timer = {
      atMs: this.now + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers not yet run or cancelled. */
  get pendingTimers(): number {
    return this.heap.filter((timer) => !timer.cancelled).length;
  }

  /** Time of the next timer, or undefined when none is pending. */
  nextTimerMs(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.atMs;
  }

  /** Runs every timer due up to `untilMs` (including ones they set), then sets the time to `untilMs`. */
  runUntil(untilMs: number, timersMax = 10_000_000): number {
    let ran = 0;
    for (;;) {
      const next = this.nextTimerMs();
      if (next === undefined || next > untilMs) break;
      if (ran++ >= timersMax) throw new Error(`VirtualClock.runUntil: more than ${timersMax} timers (a timer loop?)`);
      this.runNext();
    }
    this.now = Math.max(this.now, untilMs);
    return ran;
  }

  /** Moves time forward by `ms`, running the timers due on the way. */
  advance(ms: number): number {
    return this.runUntil(this.now + ms);
  }

  /** Runs the earliest pending timer (moving time to it); false when none is pending. */
  runNext(): boolean {
    this.dropCancelled();
    const timer = this.pop();
    if (timer === undefined) return false;
    this.now = Math.max(this.now, timer.atMs);
    timer.callback();
    return true;
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled === true) this.pop();
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Timer, heap[parent] as Timer)) break;
      [heap[i], heap[parent]] = [heap[parent] as Timer, heap[i] as Timer];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
      if (right < heap.length && before(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as Timer, heap[i] as Timer];
      i = smallest;
    }
    return top;
  }
}
