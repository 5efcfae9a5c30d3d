import type { Clock, TimerHandle } from './clock.js';

class SimTimer implements TimerHandle {
  cancelled = false;
  /** Set while the timer waits in its clock's heap: the count of cancelled timers there. */
  heapOf: { cancelled: number } | undefined = undefined;

  constructor(
    readonly callback: (item: object) => void,
    /** What `callback` is called with (setTimerWith); undefined: it is called with nothing. */
    readonly item: object | undefined,
  ) {}

  run(): void {
    const item = this.item;
    if (item === undefined) (this.callback as () => void)();
    else this.callback(item);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.heapOf !== undefined) this.heapOf.cancelled++;
  }
}

/** Cancelled timers the heap may hold before it is rebuilt without them (and no more than half of it). */
const HEAP_CANCELLED_MAX = 1024;

/**
 * The one virtual clock (the simulator's and the tests'): time moves only when told to, timers run
 * in time order and those due at the same time in the order they were set, so a run replays
 * exactly. Tuned for hundreds of thousands of timers per simulated second: zero-delay timers skip
 * the heap (they are due now and were set after every heap timer due now, which were set at an
 * earlier time, so a FIFO keeps the exact order); the timer is its own cancel handle and holds only
 * its callback (and setTimerWith's item). The heap holds numbers only: each entry's time, sequence
 * and the slot of a table where its timer waits, in typed arrays, so sifting compares and moves
 * numbers in place (moving the timers themselves, young objects stored into an old array at every
 * level, cost a write barrier each); a timer is written into its slot once and taken out once, and
 * slots are reused. The FIFO keeps its array when it empties. A cancelled timer stays in the heap
 * until it comes up, unless cancelled ones are most of it: then the heap is rebuilt without them
 * (timeouts cancelled by the thousand would otherwise make every push and pop slower). Timers are
 * ordered by (time, sequence), a total order, so the order they run in is the same.
 */
export class VirtualClock implements Clock {
  private now: number;
  private sequence = 0;
  /** The heap, ordered by (time, sequence), as parallel arrays of `heapSize` entries. */
  private heapTimes = new Float64Array(1024);
  private heapSequences = new Float64Array(1024);
  private heapSlots = new Int32Array(1024);
  private heapSize = 0;
  /** The heap's timers by slot; a slot not in the heap holds undefined and is on `freeSlots`. */
  private readonly slotTimers: (SimTimer | undefined)[] = [];
  private freeSlots = new Int32Array(1024);
  private freeCount = 0;
  /** Zero-delay timers at [dueHead, dueTail), all due now; taken slots are cleared. */
  private readonly due: (SimTimer | undefined)[] = [];
  private dueHead = 0;
  private dueTail = 0;
  /**
   * The earliest future timer, kept out of the heap: a timer set earlier than every timer in the heap
   * waits here (the one there before, if any, goes into the heap), so the next arrival of a workload,
   * due before anything else in flight, is set and run without sifting the heap twice. Earlier than
   * every heap timer by (time, sequence) while it is set.
   */
  private front: SimTimer | undefined = undefined;
  private frontMs = 0;
  private frontSequence = 0;
  /** Timers in the heap whose cancel() was called (SimTimer counts them). */
  private readonly inHeap = { cancelled: 0 };
  /** While a timer's callback runs: what `afterEvent` was given, run once it returns. */
  private inEvent = false;
  /** At [0, afterCount); run ones are cleared. */
  private readonly afterCurrent: ((() => void) | undefined)[] = [];
  private afterCount = 0;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    return this.set(delayMs, callback, undefined);
  }

  /**
   * `setTimer(delayMs, () => callback(item))` without a closure made per timer: for a caller that
   * sets one per thing it models (the simulator, per request) with one callback made once.
   */
  setTimerWith<T extends object>(delayMs: number, callback: (item: T) => void, item: T): TimerHandle {
    return this.set(delayMs, callback as (item: object) => void, item);
  }

  private set(delayMs: number, callback: (item: object) => void, item: object | undefined): TimerHandle {
    const atMs = delayMs > 0 ? this.now + delayMs : this.now;
    const timer = new SimTimer(callback, item);
    const sequence = this.sequence++;
    if (atMs <= this.now) this.due[this.dueTail++] = timer;
    else this.schedule(atMs, sequence, timer);
    return timer;
  }

  /** Puts a future timer in the front place if it is the earliest of all, else in the heap. */
  private schedule(atMs: number, sequence: number, timer: SimTimer): void {
    const front = this.front;
    if (front === undefined) {
      // A heap timer due at the same time was set earlier: it comes first.
      if (this.heapSize === 0 || atMs < (this.heapTimes[0] as number)) this.setFront(atMs, sequence, timer);
      else this.push(atMs, sequence, timer);
      return;
    }
    // The front timer was set earlier: at the same time, it comes first.
    if (atMs >= this.frontMs) return this.push(atMs, sequence, timer);
    if (!front.cancelled) this.push(this.frontMs, this.frontSequence, front);
    this.setFront(atMs, sequence, timer);
  }

  private setFront(atMs: number, sequence: number, timer: SimTimer): void {
    this.front = timer;
    this.frontMs = atMs;
    this.frontSequence = sequence;
  }

  /**
   * Runs `callback` once the running timer's callback (and what it set to run after itself) has
   * returned, before any other timer, as a microtask would on the real clock. Outside a timer's
   * callback there is no current event: it is a zero-delay timer.
   */
  afterEvent(callback: () => void): void {
    if (this.inEvent) this.afterCurrent[this.afterCount++] = callback;
    else this.setTimer(0, callback);
  }

  /** Number of timers not yet run or cancelled. */
  get pendingTimers(): number {
    let pending = this.front !== undefined && !this.front.cancelled ? 1 : 0;
    for (let i = 0; i < this.heapSize; i++) if (!this.heapTimerAt(i).cancelled) pending++;
    for (let i = this.dueHead; i < this.dueTail; i++) if (!(this.due[i] as SimTimer).cancelled) pending++;
    return pending;
  }

  /** Time of the next timer, or undefined when none is pending. */
  nextTimerMs(): number | undefined {
    this.dropCancelled();
    if (this.front !== undefined && (this.frontMs <= this.now || this.dueHead === this.dueTail)) return this.frontMs;
    if (this.heapSize > 0 && ((this.heapTimes[0] as number) <= this.now || this.dueHead === this.dueTail)) {
      return this.heapTimes[0];
    }
    return this.dueHead < this.dueTail ? this.now : undefined;
  }

  /** Runs the earliest pending timer if it is due by `untilMs`; false when there is none. */
  runNext(untilMs = Infinity): boolean {
    this.dropCancelled();
    let timer: SimTimer;
    const front = this.front;
    // The front timer is earlier than every heap timer; it and they come before the zero-delay
    // timers when due now (they were set at an earlier time).
    if (front !== undefined && (this.frontMs <= this.now || this.dueHead === this.dueTail)) {
      const atMs = this.frontMs;
      if (atMs > untilMs) return false;
      this.front = undefined;
      timer = front;
      if (atMs > this.now) this.now = atMs;
    } else if (this.heapSize > 0 && ((this.heapTimes[0] as number) <= this.now || this.dueHead === this.dueTail)) {
      const atMs = this.heapTimes[0] as number;
      if (atMs > untilMs) return false;
      timer = this.pop();
      if (atMs > this.now) this.now = atMs;
    } else if (this.dueHead < this.dueTail) {
      // A zero-delay timer was set at the time it is due: now.
      if (this.now > untilMs) return false;
      timer = this.takeDue();
    } else {
      return false;
    }
    this.inEvent = true;
    try {
      timer.run();
      if (this.afterCount > 0) this.runAfterEvent();
    } finally {
      this.inEvent = false;
      // A callback threw: those not run yet still run, as timers of their own.
      if (this.afterCount > 0) this.afterEventsAsTimers();
    }
    return true;
  }

  /** The current event's `afterEvent` callbacks, in order, and those they add. */
  private runAfterEvent(): void {
    const after = this.afterCurrent;
    let i = 0;
    while (i < this.afterCount) {
      const callback = after[i] as () => void;
      after[i++] = undefined;
      callback();
    }
    this.afterCount = 0;
  }

  private afterEventsAsTimers(): void {
    const after = this.afterCurrent;
    for (let i = 0; i < this.afterCount; i++) {
      const callback = after[i];
      after[i] = undefined;
      if (callback !== undefined) this.setTimer(0, callback);
    }
    this.afterCount = 0;
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

  /** The timer of the heap's entry `i`. */
  private heapTimerAt(i: number): SimTimer {
    return this.slotTimers[this.heapSlots[i] as number] as SimTimer;
  }

  /** Takes cancelled timers off the front place, the heap's top and the FIFO's head. */
  private dropCancelled(): void {
    if (this.front?.cancelled === true) this.front = undefined;
    while (this.heapSize > 0 && this.heapTimerAt(0).cancelled) {
      this.pop();
      this.inHeap.cancelled--;
    }
    while (this.dueHead < this.dueTail && (this.due[this.dueHead] as SimTimer).cancelled) this.takeDue();
  }

  /** The FIFO's head, removed; an emptied FIFO is filled from 0 again. */
  private takeDue(): SimTimer {
    const timer = this.due[this.dueHead] as SimTimer;
    this.due[this.dueHead++] = undefined;
    if (this.dueHead === this.dueTail) {
      this.dueHead = 0;
      this.dueTail = 0;
    }
    return timer;
  }

  /** A table slot for `timer` (a free one, or a new one at the end). */
  private slotFor(timer: SimTimer): number {
    const slot = this.freeCount > 0 ? (this.freeSlots[--this.freeCount] as number) : this.slotTimers.length;
    if (slot === this.slotTimers.length) this.slotTimers.push(timer);
    else this.slotTimers[slot] = timer;
    return slot;
  }

  /** Empties `slot` (its timer left the heap). */
  private freeSlot(slot: number): void {
    this.slotTimers[slot] = undefined;
    if (this.freeCount === this.freeSlots.length) {
      const grown = new Int32Array(this.freeSlots.length * 2);
      grown.set(this.freeSlots);
      this.freeSlots = grown;
    }
    this.freeSlots[this.freeCount++] = slot;
  }

  private push(atMs: number, sequence: number, timer: SimTimer): void {
    const cancelled = this.inHeap.cancelled;
    if (cancelled > HEAP_CANCELLED_MAX && cancelled * 2 > this.heapSize) this.compact();
    timer.heapOf = this.inHeap;
    if (this.heapSize === this.heapTimes.length) this.grow();
    const slot = this.slotFor(timer);
    const times = this.heapTimes;
    const sequences = this.heapSequences;
    const slots = this.heapSlots;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentMs = times[parent] as number;
      if (parentMs < atMs || (parentMs === atMs && (sequences[parent] as number) < sequence)) break;
      times[i] = parentMs;
      sequences[i] = sequences[parent] as number;
      slots[i] = slots[parent] as number;
      i = parent;
    }
    times[i] = atMs;
    sequences[i] = sequence;
    slots[i] = slot;
  }

  private grow(): void {
    const times = new Float64Array(this.heapTimes.length * 2);
    times.set(this.heapTimes);
    this.heapTimes = times;
    const sequences = new Float64Array(this.heapSequences.length * 2);
    sequences.set(this.heapSequences);
    this.heapSequences = sequences;
    const slots = new Int32Array(this.heapSlots.length * 2);
    slots.set(this.heapSlots);
    this.heapSlots = slots;
  }

  /** Rebuilds the heap without its cancelled timers (Floyd's heap construction, in place). */
  private compact(): void {
    const times = this.heapTimes;
    const sequences = this.heapSequences;
    const slots = this.heapSlots;
    let kept = 0;
    for (let i = 0; i < this.heapSize; i++) {
      const slot = slots[i] as number;
      const timer = this.slotTimers[slot] as SimTimer;
      if (timer.cancelled) {
        timer.heapOf = undefined;
        this.freeSlot(slot);
        continue;
      }
      times[kept] = times[i] as number;
      sequences[kept] = sequences[i] as number;
      slots[kept++] = slot;
    }
    this.heapSize = kept;
    this.inHeap.cancelled = 0;
    for (let i = (kept >> 1) - 1; i >= 0; i--) {
      this.siftDown(times[i] as number, sequences[i] as number, slots[i] as number, i);
    }
  }

  /** Removes the heap's top and returns it (its timer leaves the heap). */
  private pop(): SimTimer {
    const topSlot = this.heapSlots[0] as number;
    const top = this.slotTimers[topSlot] as SimTimer;
    top.heapOf = undefined;
    this.freeSlot(topSlot);
    const last = --this.heapSize;
    if (last > 0) {
      this.siftDown(
        this.heapTimes[last] as number,
        this.heapSequences[last] as number,
        this.heapSlots[last] as number,
        0,
      );
    }
    return top;
  }

  /** Puts the entry (atMs, sequence, slot) at index `i`, or below it where it belongs (the heap's other entries are in order). */
  private siftDown(atMs: number, sequence: number, slot: number, i: number): void {
    const times = this.heapTimes;
    const sequences = this.heapSequences;
    const slots = this.heapSlots;
    const length = this.heapSize;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childMs = times[left] as number;
      if (right < length) {
        const rightMs = times[right] as number;
        if (rightMs < childMs || (rightMs === childMs && (sequences[right] as number) < (sequences[left] as number))) {
          child = right;
          childMs = rightMs;
        }
      }
      if (childMs > atMs || (childMs === atMs && (sequences[child] as number) > sequence)) break;
      times[i] = childMs;
      sequences[i] = sequences[child] as number;
      slots[i] = slots[child] as number;
      i = child;
    }
    times[i] = atMs;
    sequences[i] = sequence;
    slots[i] = slot;
  }
}

/** A run that sets more timers than it may: a timer loop in the code under the clock. */
export class ClockLoopError extends Error {
  readonly code = 'MERIDIAN_CLOCK_TIMER_LOOP';
}
