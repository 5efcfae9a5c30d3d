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
   * The queue, as parallel arrays from `head` (no object per message): a delivered slot is cleared at
   * once, so a delivered message is not kept alive by the queue until it is compacted.
   */
  private messages: (T | undefined)[] = [];
  private bytes: number[] = [];
  private sentAtMs: number[] = [];
  private deliverAtMs: number[] = [];
  private head = 0;
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
    return this.messages.length - this.head;
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
    this.messages.push(message);
    this.bytes.push(bytes);
    this.sentAtMs.push(nowMs);
    this.deliverAtMs.push(deliverAtMs);
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
    this.clear();
    for (let i = head; i < queued.length; i++) this.options.dropped?.(queued[i] as T);
  }

  private clear(): void {
    this.messages = [];
    this.bytes = [];
    this.sentAtMs = [];
    this.deliverAtMs = [];
    this.head = 0;
    this.bytesQueued = 0;
  }

  /** New delivery times for everything queued, under the model's current settings, order kept. */
  private retime(): void {
    if (this.closed || this.head === this.messages.length) return;
    let previousMs = this.lastDeliveredMs;
    for (let i = this.head; i < this.messages.length; i++) {
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
    if (this.head === this.messages.length) return;
    const nextMs = this.deliverAtMs[this.head] as number;
    if (nextMs >= this.timerAtMs) return;
    this.timer?.cancel();
    this.timerAtMs = nextMs;
    const delayMs = Math.min(TIMER_MS_MAX, Math.max(0, nextMs - this.options.clock.nowMs()));
    this.timer = this.options.clock.setTimer(delayMs, this.timerFired);
  }

  private flush(): void {
    const nowMs = this.options.clock.nowMs();
    while (this.head < this.messages.length && !this.closed) {
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
    if (this.head > 1024 && this.head * 2 > this.messages.length) this.compact();
    this.schedule();
  }

  /** Drops the delivered slots at the front. */
  private compact(): void {
    const head = this.head;
    this.messages.splice(0, head);
    this.bytes.splice(0, head);
    this.sentAtMs.splice(0, head);
    this.deliverAtMs.splice(0, head);
    this.head = 0;
  }
}
