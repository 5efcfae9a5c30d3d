/**
 * The transport port: ordered, message-framed, bidirectional connections. Adapters: WebSocket
 * (`ws`, real nodes) and in memory (simulator, unit tests); one contract suite runs against both.
 */
export interface ConnectionHandlers {
  message(frame: Uint8Array): void;
  /** Called once, when either side closed or the transport failed. */
  close(code: number, reason: string): void;
  /** Called whenever bytesBuffered() went down (data left the process). */
  drain(): void;
}

export interface Connection {
  /** Queues a message. Ignored after close. */
  send(frame: Uint8Array): void;
  /** Closes at once, dropping queued data; the handlers' close runs with this code and reason. */
  close(code: number, reason: string): void;
  /** Bytes passed to send() and not yet handed to the network. */
  bytesBuffered(): number;
  /** Installs the handlers; events that arrived earlier are replayed to them in order. */
  setHandlers(handlers: ConnectionHandlers): void;
  readonly closed: boolean;
}

export interface Listener {
  /** Called for each accepted connection. */
  onConnection(accept: (connection: Connection) => void): void;
  close(): Promise<void>;
}

export interface Connector {
  /** Opens a connection to the primary; rejects when it cannot be reached. */
  connect(): Promise<Connection>;
}

/** Normal close; and the code ws uses for a message over maxPayload. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_TOO_BIG = 1009;

type Event =
  { kind: 'message'; frame: Uint8Array } | { kind: 'close'; code: number; reason: string } | { kind: 'drain' };

/** Buffers events until handlers are installed, and makes close idempotent. For adapters. */
export abstract class ConnectionBase implements Connection {
  private handlers: ConnectionHandlers | undefined;
  private early: Event[] = [];
  private isClosed = false;
  private closeDelivered = false;

  abstract send(frame: Uint8Array): void;
  abstract close(code: number, reason: string): void;
  abstract bytesBuffered(): number;

  get closed(): boolean {
    return this.isClosed;
  }

  setHandlers(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    this.early = [];
    for (const event of early) this.dispatch(event);
  }

  protected markClosed(): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    return true;
  }

  protected emitMessage(frame: Uint8Array): void {
    if (this.closeDelivered) return;
    // Installed handlers are called directly: no event object per message.
    if (this.handlers !== undefined) this.handlers.message(frame);
    else this.dispatch({ kind: 'message', frame });
  }

  protected emitDrain(): void {
    if (this.closeDelivered) return;
    if (this.handlers !== undefined) this.handlers.drain();
    else this.dispatch({ kind: 'drain' });
  }

  protected emitClose(code: number, reason: string): void {
    this.isClosed = true;
    if (this.closeDelivered) return;
    this.closeDelivered = true;
    this.dispatch({ kind: 'close', code, reason });
  }

  private dispatch(event: Event): void {
    const handlers = this.handlers;
    if (handlers === undefined) {
      if (event.kind !== 'drain') this.early.push(event);
      return;
    }
    if (event.kind === 'message') handlers.message(event.frame);
    else if (event.kind === 'close') handlers.close(event.code, event.reason);
    else handlers.drain();
  }
}
