import { MeridianError } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import { CLOSE_TOO_BIG, ConnectionBase, type Connection, type Connector, type Listener } from './transport.js';

/**
 * A connection that can hand a frame to its peer at once: for a caller whose clock already waited
 * for the frame's arrival (a delay line's delivery), so the in-memory hop adds no timer of its own.
 */
export interface ArrivedDelivery {
  deliverArrived(frame: Uint8Array): void;
}

/** Whether `connection` can take a frame that already arrived (ArrivedDelivery). */
export function deliversArrived(connection: object): connection is ArrivedDelivery {
  return typeof (connection as Partial<ArrivedDelivery>).deliverArrived === 'function';
}

class MemoryConnection extends ConnectionBase implements ArrivedDelivery {
  peer!: MemoryConnection;
  private inFlightBytes = 0;
  /** Messages sent and not yet delivered; one timer delivers everything sent before it runs. */
  private outbox: Uint8Array[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly frameBytesMax: number,
  ) {
    super();
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    if (frame.byteLength > this.frameBytesMax) {
      this.peer.closeFromPeer(CLOSE_TOO_BIG, 'Max payload size exceeded');
      return;
    }
    // Senders never touch a frame after sending it (the primary shares one among replicas), so
    // no copy is needed, as ws hands the bytes to the kernel.
    this.inFlightBytes += frame.byteLength;
    this.outbox.push(frame);
    if (this.outbox.length === 1) this.clock.setTimer(0, () => this.deliver());
  }

  /**
   * Hands `frame` to the peer now, behind anything sent earlier and not yet delivered: for a caller
   * that runs from a timer of its own (never from the peer's handlers), so no zero-delay timer is needed.
   */
  deliverArrived(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.outbox.length > 0 || frame.byteLength > this.frameBytesMax) {
      this.send(frame);
      return;
    }
    this.peer.receive(frame);
  }

  private deliver(): void {
    const frames = this.outbox;
    this.outbox = [];
    for (const frame of frames) {
      this.inFlightBytes -= frame.byteLength;
      this.peer.receive(frame);
    }
    this.emitDrain();
  }

  close(code: number, reason: string): void {
    if (!this.markClosed()) return;
    this.emitClose(code, reason);
    // Messages already sent still arrive (their timers come first), then the peer sees the close.
    this.clock.setTimer(0, () => this.peer.closeFromPeer(code, reason));
  }

  bytesBuffered(): number {
    return this.inFlightBytes;
  }

  private receive(frame: Uint8Array): void {
    if (!this.closed) this.emitMessage(frame);
  }

  private closeFromPeer(code: number, reason: string): void {
    if (this.closed) return;
    this.markClosed();
    this.emitClose(code, reason);
    this.peer.closeFromPeer(code, reason);
  }
}

class MemoryListener implements Listener {
  accept: ((connection: Connection) => void) | undefined;

  constructor(private readonly onClose: () => void) {}

  onConnection(accept: (connection: Connection) => void): void {
    this.accept = accept;
  }

  close(): Promise<void> {
    this.onClose();
    return Promise.resolve();
  }
}

/**
 * An in-memory network for the simulator and unit tests: named addresses, ordered delivery on
 * the given clock (what one side sends before a zero-delay timer runs arrives in that timer; lag is
 * added above, by a delayed connection).
 */
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryListener>();

  constructor(
    private readonly clock: Clock,
    private readonly frameBytesMax = 64 * 1024 * 1024,
  ) {}

  listen(address: string): Listener {
    if (this.listeners.has(address))
      throw new MeridianError('MERIDIAN_TRANSPORT_ADDRESS_IN_USE', `address ${address} is already in use`);
    const listener = new MemoryListener(() => this.listeners.delete(address));
    this.listeners.set(address, listener);
    return listener;
  }

  connector(address: string): Connector {
    return { connect: () => this.connect(address) };
  }

  private connect(address: string): Promise<Connection> {
    const accept = this.listeners.get(address)?.accept;
    if (accept === undefined) return Promise.reject(new Error(`connection refused: ${address}`));
    const client = new MemoryConnection(this.clock, this.frameBytesMax);
    const server = new MemoryConnection(this.clock, this.frameBytesMax);
    client.peer = server;
    server.peer = client;
    accept(server);
    return Promise.resolve(client);
  }
}
