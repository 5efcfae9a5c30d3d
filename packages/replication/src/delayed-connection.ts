import { type Clock, type LinkModel, OrderedDelayLine, type TimerHandle } from '@meridian/lag';
import { CLOSE_CODE_ERROR } from './errors.js';
import { deliversArrived } from './memory-transport.js';
import { SystemClock } from './system-clock.js';
import type { Connection, ConnectionHandlers } from './transport.js';

/**
 * Lag injection above the transport: outgoing messages pass through an OrderedDelayLine driven by
 * the link model on the clock, so the ws and in-memory adapters get identical lag behaviour. A link
 * that becomes partitioned closes the connection (code 4000, reason PARTITIONED): it holds nothing.
 */
export class DelayedConnection implements Connection {
  private readonly line: OrderedDelayLine<Uint8Array>;
  private readonly stopWatching: () => void;
  private handlers: ConnectionHandlers | undefined;

  constructor(
    private readonly inner: Connection,
    clock: Clock,
    model: LinkModel,
  ) {
    // A delivery runs from the line's own timer, so an in-memory connection hands the frame over at once.
    const arrived = deliversArrived(inner) ? inner : undefined;
    this.line = new OrderedDelayLine({
      clock: clock instanceof SystemClock ? new DueTimeClock(clock) : clock,
      model,
      deliver: (frame) => {
        if (arrived === undefined) inner.send(frame);
        else arrived.deliverArrived(frame);
        this.handlers?.drain();
      },
    });
    this.stopWatching = model.onChange((changed) => {
      if (changed.partitioned) this.close(CLOSE_CODE_ERROR, 'PARTITIONED');
    });
    if (model.partitioned) this.close(CLOSE_CODE_ERROR, 'PARTITIONED');
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  send(frame: Uint8Array): void {
    if (!this.inner.closed) this.line.send(frame, frame.byteLength);
  }

  close(code: number, reason: string): void {
    this.stopWatching();
    this.line.close();
    this.inner.close(code, reason);
  }

  bytesBuffered(): number {
    return this.line.pendingBytes + this.inner.bytesBuffered();
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.inner.setHandlers({
      message: (frame) => handlers.message(frame),
      close: (code, reason) => {
        this.stopWatching();
        this.line.close();
        handlers.close(code, reason);
      },
      drain: () => handlers.drain(),
    });
  }
}

/**
 * The real clock, with timers that fire at their due time by the precise clock, not before it: a
 * Node timer counts from the loop's cached millisecond, so it can fire up to a few milliseconds
 * early under load, and one re-armed for the sub-millisecond rest waits a whole millisecond more.
 * A timer is re-armed while a millisecond or more is left, and the last fraction is waited for one
 * event-loop turn after another. The delay line's deliveries are the link's delay, as the
 * simulator assumes, instead of the delay plus up to 2 ms of timer rounding. A timer already due
 * when it is set (a link without delay) fires once the event that set it has finished, as the
 * replica's apply does, not an event-loop turn later: on a busy node that turn took 0.05 ms at the
 * median and 0.4 ms at p90 (the live experiment's primary).
 */
class DueTimeClock implements Clock {
  constructor(private readonly clock: SystemClock) {}

  nowMs(): number {
    return this.clock.nowMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    return new DueTimer(this.clock, this.clock.nowMs() + delayMs, callback);
  }
}

/** One timer of a DueTimeClock: armed at once, re-armed on each early wake-up. */
class DueTimer implements TimerHandle {
  private inner: TimerHandle;
  /** The callback of every wake-up, made once. */
  private readonly check = (): void => {
    const leftMs = this.dueMs - this.clock.nowMs();
    if (leftMs <= 0) this.callback();
    else this.inner = this.arm(leftMs);
  };

  constructor(
    private readonly clock: SystemClock,
    private readonly dueMs: number,
    private readonly callback: () => void,
  ) {
    const leftMs = dueMs - clock.nowMs();
    this.inner = leftMs > 0 ? this.arm(leftMs) : this.afterEvent();
  }

  cancel(): void {
    this.inner.cancel();
  }

  /** Due already: fires after the current event (a microtask), unless cancelled first. */
  private afterEvent(): TimerHandle {
    const handle = {
      cancelled: false,
      cancel: (): void => {
        handle.cancelled = true;
      },
    };
    this.clock.afterEvent(() => {
      if (!handle.cancelled) this.callback();
    });
    return handle;
  }

  /** A Node timer while a millisecond or more is left (it cannot wait less), else the next turn. */
  private arm(leftMs: number): TimerHandle {
    return this.clock.setTimer(leftMs >= 1 ? leftMs : 0, this.check);
  }
}
