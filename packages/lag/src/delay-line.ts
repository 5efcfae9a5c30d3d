import type { Clock, TimerHandle } from './clock.js';
import type { LinkModel } from './link-model.js';

interface Pending<T> {
  readonly message: T;
  readonly bytes: number;
  readonly deliverAtMs: number;
}

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
 * timer for the head of the queue, so ordering holds even with a real clock's timer quirks.
 */
export class OrderedDelayLine<T> {
  private readonly queue: Pending<T>[] = [];
  private head = 0;
  private lastDeliveryMs = -Infinity;
  private timer: TimerHandle | undefined;
  private timerAtMs = Infinity;
  private bytesQueued = 0;
  private closed = false;

  constructor(private readonly options: DelayLineOptions<T>) {}

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
    this.queue.push({ message, bytes, deliverAtMs });
    this.bytesQueued += bytes;
    this.schedule();
    return deliverAtMs;
  }

  /** Drops everything queued and refuses further messages. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (let i = this.head; i < this.queue.length; i++) this.options.dropped?.((this.queue[i] as Pending<T>).message);
    this.queue.length = 0;
    this.head = 0;
    this.bytesQueued = 0;
  }

  private schedule(): void {
    const next = this.queue[this.head];
    if (next === undefined || next.deliverAtMs >= this.timerAtMs) return;
    this.timer?.cancel();
    this.timerAtMs = next.deliverAtMs;
    this.timer = this.options.clock.setTimer(Math.max(0, next.deliverAtMs - this.options.clock.nowMs()), () => {
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
      this.options.deliver(next.message);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (!this.closed) this.schedule();
  }
}
