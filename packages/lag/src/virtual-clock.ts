import type { Clock, TimerHandle } from './clock.js';

class SimTimer implements TimerHandle {
  cancelled = false;
  /** Set while the timer waits in its clock's heap: the count of cancelled timers there. */
  heapOf: { cancelled: number } | undefined = undefined;

  constructor(
    readonly atMs: number,
    readonly sequence: number,
    readonly callback: () => void,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.heapOf !== undefined) this.heapOf.cancelled++;
  }
}

/** Cancelled timers the heap may hold before it is rebuilt without them (and no more than half of it). */
const HEAP_CANCELLED_MAX = 1024;

function before(a: SimTimer, b: SimTimer): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

/**
 * The one virtual clock (the simulator's and the tests'): time moves only when told to, timers run
 * in time order and those due at the same time in the order they were set, so a run replays
 * exactly. Tuned for hundreds of thousands of timers per simulated second: zero-delay timers skip
 * the heap (they are due now and were set after every heap timer due now, which were set at an
 * earlier time, so a FIFO keeps the exact order); the timer is its own cancel handle. A cancelled
 * timer stays in the heap until it comes up, unless cancelled ones are most of it: then the heap is
 * rebuilt without them (timeouts cancelled by the thousand would otherwise make every push and pop
 * slower). Timers are ordered by (time, sequence), a total order, so the order they run in is the same.
 */
export class VirtualClock implements Clock {
  private now: number;
  private sequence = 0;
  private readonly heap: SimTimer[] = [];
  private due: SimTimer[] = [];
  private dueHead = 0;
  /** Timers in the heap whose cancel() was called (SimTimer counts them). */
  private readonly inHeap = { cancelled: 0 };

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const atMs = delayMs > 0 ? this.now + delayMs : this.now;
    const timer = new SimTimer(atMs, this.sequence++, callback);
    if (atMs <= this.now) this.due.push(timer);
    else this.push(timer);
    return timer;
  }

  /** Number of timers not yet run or cancelled. */
  get pendingTimers(): number {
    let pending = 0;
    for (const timer of this.heap) if (!timer.cancelled) pending++;
    for (let i = this.dueHead; i < this.due.length; i++) if (!(this.due[i] as SimTimer).cancelled) pending++;
    return pending;
  }

  /** Time of the next timer, or undefined when none is pending. */
  nextTimerMs(): number | undefined {
    return this.peek()?.atMs;
  }

  /** Runs the earliest pending timer if it is due by `untilMs`; false when there is none. */
  runNext(untilMs = Infinity): boolean {
    const timer = this.peek();
    if (timer === undefined || timer.atMs > untilMs) return false;
    if (timer === this.heap[0]) this.pop();
    else this.dueHead++;
    if (timer.atMs > this.now) this.now = timer.atMs;
    timer.callback();
    return true;
  }

  /**
   * Runs every timer due up to `untilMs` (including ones they set), then sets the time to `untilMs`.
   * More than `timersMax` timers is taken for a timer loop and stops the run with an error.
   */
  runUntil(untilMs: number, timersMax = 10_000_000): number {
    let ran = 0;
    while (this.runNext(untilMs)) {
      if (++ran > timersMax)
        throw new ClockLoopError(`VirtualClock.runUntil: more than ${timersMax} timers (a timer loop?)`);
    }
    if (untilMs > this.now) this.now = untilMs;
    return ran;
  }

  /** Moves time forward by `ms`, running the timers due on the way. */
  advance(ms: number): number {
    return this.runUntil(this.now + ms);
  }

  private peek(): SimTimer | undefined {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as SimTimer).cancelled) {
      this.pop();
      this.inHeap.cancelled--;
    }
    const top = heap[0];
    if (top !== undefined && top.atMs <= this.now) return top;
    const due = this.due;
    while (this.dueHead < due.length && (due[this.dueHead] as SimTimer).cancelled) this.dueHead++;
    if (this.dueHead < due.length) return due[this.dueHead];
    if (due.length > 0) {
      this.due = [];
      this.dueHead = 0;
    }
    return top;
  }

  private push(timer: SimTimer): void {
    const cancelled = this.inHeap.cancelled;
    if (cancelled > HEAP_CANCELLED_MAX && cancelled * 2 > this.heap.length) this.compact();
    timer.heapOf = this.inHeap;
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as SimTimer;
      if (!before(timer, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = timer;
  }

  /** Rebuilds the heap without its cancelled timers (Floyd's heap construction, in place). */
  private compact(): void {
    const heap = this.heap;
    let kept = 0;
    for (const timer of heap) {
      if (timer.cancelled) timer.heapOf = undefined;
      else heap[kept++] = timer;
    }
    heap.length = kept;
    this.inHeap.cancelled = 0;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(heap[i] as SimTimer, i);
  }

  /** Removes the heap's top (its timer leaves the heap). */
  private pop(): void {
    const heap = this.heap;
    const top = heap[0];
    if (top !== undefined) top.heapOf = undefined;
    const last = heap.pop();
    if (last !== undefined && heap.length > 0) this.siftDown(last, 0);
  }

  /** Puts `timer` at index `i`, or below it where it belongs (the heap's other entries are in order). */
  private siftDown(timer: SimTimer, i: number): void {
    const heap = this.heap;
    const length = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as SimTimer, heap[left] as SimTimer)) child = right;
      if (!before(heap[child] as SimTimer, timer)) break;
      heap[i] = heap[child] as SimTimer;
      i = child;
    }
    heap[i] = timer;
  }
}

/** A run that sets more timers than it may: a timer loop in the code under the clock. */
export class ClockLoopError extends Error {
  readonly code = 'MERIDIAN_CLOCK_TIMER_LOOP';
}
