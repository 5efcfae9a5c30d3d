import type { Clock, TimerHandle } from './clock.js';
import type { LinkModel } from './link-model.js';

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
  /**
   * The queue, as parallel arrays at [head, tail) (no object per message): a delivered slot is
   * cleared at once, so a delivered message is not kept alive by the queue. Emptied, the arrays are
   * filled from 0 again, and a queue that never empties is moved down in place: in steady state
   * sending allocates nothing.
   */
  private messages: (T | undefined)[] = [];
  private bytes: number[] = [];
  private sentAtMs: number[] = [];
  private deliverAtMs: number[] = [];
  private head = 0;
  private tail = 0;
  private lastDeliveryMs = -Infinity;
  private timer: TimerHandle | undefined;
  private timerAtMs = Infinity;
  private bytesQueued = 0;
  private closed = false;
  /** When the last delivered message was delivered (re-timing never goes before it). */
  private lastDeliveredMs = -Infinity;
  private readonly stopWatching: () => void;
  /** The timer's callback, made once. */
  private readonly timerFired = (): void => {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    this.flush();
  };

  constructor(private readonly options: DelayLineOptions<T>) {
    this.stopWatching = options.model.onChange(() => this.retime());
  }

  /** Bytes accepted but not yet delivered. */
  get pendingBytes(): number {
    return this.bytesQueued;
  }

  get pendingCount(): number {
    return this.tail - this.head;
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
    const i = this.tail++;
    this.messages[i] = message;
    this.bytes[i] = bytes;
    this.sentAtMs[i] = nowMs;
    this.deliverAtMs[i] = deliverAtMs;
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
    const queued = this.messages;
    const head = this.head;
    const tail = this.tail;
    this.clear();
    for (let i = head; i < tail; i++) this.options.dropped?.(queued[i] as T);
  }

  private clear(): void {
    this.messages = [];
    this.bytes = [];
    this.sentAtMs = [];
    this.deliverAtMs = [];
    this.head = 0;
    this.tail = 0;
    this.bytesQueued = 0;
  }

  /** New delivery times for everything queued, under the model's current settings, order kept. */
  private retime(): void {
    if (this.closed || this.head === this.tail) return;
    let previousMs = this.lastDeliveredMs;
    for (let i = this.head; i < this.tail; i++) {
      const arrivalMs = this.options.model.retimedArrivalMs(this.sentAtMs[i] as number);
      if (arrivalMs === undefined) return; // partitioned: the link's owner closes it
      previousMs = Math.max(arrivalMs, previousMs);
      this.deliverAtMs[i] = previousMs;
    }
    this.lastDeliveryMs = previousMs;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAtMs = Infinity;
    this.schedule();
  }

  private schedule(): void {
    if (this.head === this.tail) return;
    const nextMs = this.deliverAtMs[this.head] as number;
    if (nextMs >= this.timerAtMs) return;
    this.timer?.cancel();
    this.timerAtMs = nextMs;
    const delayMs = Math.min(TIMER_MS_MAX, Math.max(0, nextMs - this.options.clock.nowMs()));
    this.timer = this.options.clock.setTimer(delayMs, this.timerFired);
  }

  private flush(): void {
    const nowMs = this.options.clock.nowMs();
    while (this.head < this.tail && !this.closed) {
      const i = this.head;
      const deliverAtMs = this.deliverAtMs[i] as number;
      if (deliverAtMs > nowMs) break;
      const message = this.messages[i] as T;
      this.messages[i] = undefined;
      this.head = i + 1;
      this.bytesQueued -= this.bytes[i] as number;
      this.lastDeliveredMs = deliverAtMs;
      this.options.deliver(message);
    }
    if (this.closed) return;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > 1024 && this.head * 2 > this.tail) {
      this.compact();
    }
    this.schedule();
  }

  /** Moves the queued slots down to 0, in place (the arrays keep their size). */
  private compact(): void {
    const { messages, bytes, sentAtMs, deliverAtMs, head, tail } = this;
    for (let i = head; i < tail; i++) {
      messages[i - head] = messages[i];
      messages[i] = undefined;
      bytes[i - head] = bytes[i] as number;
      sentAtMs[i - head] = sentAtMs[i] as number;
      deliverAtMs[i - head] = deliverAtMs[i] as number;
    }
    this.head = 0;
    this.tail = tail - head;
  }
}
