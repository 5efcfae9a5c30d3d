import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_NORMAL, ConnectionBase, type Connection, type Connector, type Listener } from './transport.js';

/** The HTTP path replication connections upgrade on. */
export const REPLICATION_PATH = '/_meridian/replication';

import { FRAME_BYTES_MAX_DEFAULT, REPLICA_FRAME_BYTES_MAX } from './frame-parts.js';

class WsConnection extends ConnectionBase {
  private bytesPending = 0;

  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.close(1003, 'binary frames only');
        return;
      }
      this.emitMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    socket.on('close', (code: number, reason: Buffer) => this.emitClose(code, reason.toString('utf8')));
    socket.on('error', () => {
      // 'close' follows every 'error'; the code it carries is what callers see.
    });
  }

  send(frame: Uint8Array): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    const size = frame.byteLength;
    this.bytesPending += size;
    this.socket.send(frame, { binary: true }, () => {
      this.bytesPending -= size;
      this.emitDrain();
    });
  }

  close(code: number, reason: string): void {
    if (!this.markClosed()) return;
    this.bytesPending = 0;
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason.slice(0, 120));
    }
    // Report at once: the caller must not wait for the peer's close frame to release the session.
    this.emitClose(code, reason);
  }

  bytesBuffered(): number {
    return this.bytesPending;
  }
}

export interface WsListenerOptions {
  /** The node's HTTP server; only upgrades on `path` are taken, others are left to other listeners. */
  server: Server;
  path?: string;
  /** Largest message a replica may send (ws `maxPayload`): hello, acks and errors are small. */
  frameBytesMax?: number;
}

/** Accepts replication connections on an existing node:http server (ws `noServer` + `handleUpgrade`). */
export class WsListener implements Listener {
  private readonly wss: WebSocketServer;
  private readonly path: string;
  private accept: ((connection: Connection) => void) | undefined;
  private readonly upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.handleUpgrade(request, socket, head);
  };

  constructor(private readonly options: WsListenerOptions) {
    this.path = options.path ?? REPLICATION_PATH;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.frameBytesMax ?? REPLICA_FRAME_BYTES_MAX,
      perMessageDeflate: false,
      clientTracking: true,
    });
    options.server.on('upgrade', this.upgrade);
  }

  onConnection(accept: (connection: Connection) => void): void {
    this.accept = accept;
  }

  /** Takes an upgrade request if it is for the replication path; returns whether it did. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== this.path) return false;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const accept = this.accept;
      if (accept === undefined) ws.close(1013, 'not accepting');
      else accept(new WsConnection(ws));
    });
    return true;
  }

  close(): Promise<void> {
    this.options.server.off('upgrade', this.upgrade);
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

export interface WsConnectorOptions {
  /** e.g. ws://10.0.0.1:7701/_meridian/replication */
  url: string;
  frameBytesMax?: number;
  handshakeTimeoutMs?: number;
}

export class WsConnector implements Connector {
  constructor(private readonly options: WsConnectorOptions) {}

  connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.options.url, {
        maxPayload: this.options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
        perMessageDeflate: false,
      });
      const failed = (error: Error): void => reject(error);
      socket.once('error', failed);
      socket.once('unexpected-response', (_request, response) => {
        socket.terminate();
        reject(new Error(`replication upgrade refused: HTTP ${response.statusCode ?? '?'}`));
      });
      socket.once('open', () => {
        socket.off('error', failed);
        resolve(new WsConnection(socket));
      });
    });
  }
}

export { CLOSE_NORMAL, FRAME_BYTES_MAX_DEFAULT };
