import { type Clock, type LinkModel, OrderedDelayLine } from '@meridian/lag';
import { CLOSE_CODE_ERROR } from './errors.js';
import { deliversArrived } from './memory-transport.js';
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
      clock,
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
