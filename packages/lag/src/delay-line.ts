import type { Clock, TimerHandle } from './clock.js';
import type { LinkModel } from './link-model.js';

interface Pending<T> {
  readonly message: T;
  readonly bytes: number;
  readonly sentAtMs: number;
  deliverAtMs: number;
}

/**
 * Node's timers overflow past 2^31 - 1 ms (about 24.8 days: TimeoutOverflowWarning, then fire at
 * once). A later delivery is waited for in steps of at most this.
 */
export const TIMER_MS_MAX = 2 ** 31 - 1;

export interface DelayLineOptions<T> {
  clock: Clock;
  model: LinkModel;
  deliver: (message: T) => void;
  /** Called for each message the link drops (partitioned). */
  dropped?: (message: T) => void;
}

/**
 * Delivers messages after the link model's delay, in the order they were sent, like TCP: a message
 * is never delivered before an earlier one (delivery = max(send + delay, previous delivery)). One
 * timer for the head of the queue, so ordering holds even with a real clock's timer quirks. When
 * the model changes (a new delay or jitter, `lag clear`), messages still queued are re-timed under
 * the new settings, in order, so undoing a mistaken setting undoes its effect on them too.
 */
export class OrderedDelayLine<T> {
  private readonly queue: Pending<T>[] = [];
  private head = 0;
  private lastDeliveryMs = -Infinity;
  private timer: TimerHandle | undefined;
  private timerAtMs = Infinity;
  private bytesQueued = 0;
  private closed = false;
  /** When the last delivered message was delivered (re-timing never goes before it). */
  private lastDeliveredMs = -Infinity;
  private readonly stopWatching: () => void;

  constructor(private readonly options: DelayLineOptions<T>) {
    this.stopWatching = options.model.onChange(() => this.retime());
  }

  /** Bytes accepted but not yet delivered. */
  get pendingBytes(): number {
    return this.bytesQueued;
  }

  get pendingCount(): number {
    return this.queue.length - this.head;
  }

  /** Queues `message`; returns its delivery time, or undefined when the link dropped it. */
  send(message: T, bytes: number): number | undefined {
    if (this.closed) return undefined;
    const nowMs = this.options.clock.nowMs();
    const arrivalMs = this.options.model.arrivalMs(nowMs, bytes);
    if (arrivalMs === undefined) {
      this.options.dropped?.(message);
      return undefined;
    }
    const deliverAtMs = Math.max(arrivalMs, this.lastDeliveryMs);
    this.lastDeliveryMs = deliverAtMs;
    this.queue.push({ message, bytes, sentAtMs: nowMs, deliverAtMs });
    this.bytesQueued += bytes;
    this.schedule();
    return deliverAtMs;
  }

  /** Drops everything queued and refuses further messages. */
  close(): void {
    this.closed = true;
    this.stopWatching();
    this.timer?.cancel();
    this.timer = undefined;
    for (let i = this.head; i < this.queue.length; i++) this.options.dropped?.((this.queue[i] as Pending<T>).message);
    this.queue.length = 0;
    this.head = 0;
    this.bytesQueued = 0;
  }

  /** New delivery times for everything queued, under the model's current settings, order kept. */
  private retime(): void {
    if (this.closed || this.head === this.queue.length) return;
    let previousMs = this.lastDeliveredMs;
    for (let i = this.head; i < this.queue.length; i++) {
      const pending = this.queue[i] as Pending<T>;
      const arrivalMs = this.options.model.retimedArrivalMs(pending.sentAtMs);
      if (arrivalMs === undefined) return; // partitioned: the link's owner closes it
      pending.deliverAtMs = Math.max(arrivalMs, previousMs);
      previousMs = pending.deliverAtMs;
    }
    this.lastDeliveryMs = previousMs;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAtMs = Infinity;
    this.schedule();
  }

  private schedule(): void {
    const next = this.queue[this.head];
    if (next === undefined || next.deliverAtMs >= this.timerAtMs) return;
    this.timer?.cancel();
    this.timerAtMs = next.deliverAtMs;
    const delayMs = Math.min(TIMER_MS_MAX, Math.max(0, next.deliverAtMs - this.options.clock.nowMs()));
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      this.timerAtMs = Infinity;
      this.flush();
    });
  }

  private flush(): void {
    const nowMs = this.options.clock.nowMs();
    for (;;) {
      const next = this.queue[this.head];
      if (next === undefined || next.deliverAtMs > nowMs || this.closed) break;
      this.head++;
      this.bytesQueued -= next.bytes;
      this.lastDeliveredMs = next.deliverAtMs;
      this.options.deliver(next.message);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (!this.closed) this.schedule();
  }
}
