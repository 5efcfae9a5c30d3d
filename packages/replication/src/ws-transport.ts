import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_NORMAL, ConnectionBase, type Connection, type Connector, type Listener } from './transport.js';

/** The HTTP path replication connections upgrade on. */
export const REPLICATION_PATH = '/_meridian/replication';

import { FRAME_BYTES_MAX_DEFAULT, REPLICA_FRAME_BYTES_MAX } from './frame-parts.js';

/** ws send options, made once (acks go one per apply turn). */
const BINARY = { binary: true } as const;

class WsConnection extends ConnectionBase {
  private bytesPending = 0;
  /**
   * Sizes of the sends not yet written, at [sizesHead, sizesTail): ws calls back once per send, in
   * order, so one callback (`written`) serves them all (no closure per send, and Node's stream
   * counts consecutive writes with the same callback in one after-write tick). Emptied, the array
   * is filled from 0 again (it keeps its backing store).
   */
  private readonly sizes: number[] = [];
  private sizesHead = 0;
  private sizesTail = 0;
  private readonly written = (): void => {
    if (this.sizesHead < this.sizesTail) this.bytesPending -= this.sizes[this.sizesHead++] as number;
    if (this.sizesHead === this.sizesTail) {
      this.sizesHead = 0;
      this.sizesTail = 0;
    } else if (this.sizesHead > 1024 && this.sizesHead * 2 > this.sizesTail) {
      this.sizes.copyWithin(0, this.sizesHead, this.sizesTail);
      this.sizesTail -= this.sizesHead;
      this.sizesHead = 0;
    }
    this.emitDrain();
  };

  constructor(private readonly socket: WebSocket) {
    super();
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.close(1003, 'binary frames only');
        return;
      }
      // A Buffer is a Uint8Array: passed on as it is (no view per message; the in-place reader takes a Buffer).
      this.emitMessage(data);
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
    this.sizes[this.sizesTail++] = size;
    this.socket.send(frame, BINARY, this.written);
  }

  close(code: number, reason: string): void {
    if (!this.markClosed()) return;
    this.bytesPending = 0;
    this.sizesHead = 0;
    this.sizesTail = 0;
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
  /** On an HTTPS server: refuse replicas whose client certificate the server's CA did not sign (mutual TLS). */
  clientCertRequired?: boolean;
  path?: string;
  /** Largest message a replica may send (ws `maxPayload`): hello, acks and errors are small. */
  frameBytesMax?: number;
  /** Open replication sockets, authenticated or not (default 256). */
  connectionsMax?: number;
  /** Open replication sockets from one remote address (default 16). */
  connectionsPerAddressMax?: number;
}

export const REPLICATION_CONNECTIONS_MAX_DEFAULT = 256;
export const REPLICATION_CONNECTIONS_PER_ADDRESS_MAX_DEFAULT = 16;

/** Accepts replication connections on an existing node:http server (ws `noServer` + `handleUpgrade`). */
export class WsListener implements Listener {
  private readonly wss: WebSocketServer;
  private readonly path: string;
  private accept: ((connection: Connection) => void) | undefined;
  private readonly perAddress = new Map<string, number>();
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
    if (this.options.clientCertRequired === true && (request.socket as Partial<TLSSocket>).authorized !== true) {
      refuse(socket, 'MERIDIAN_TLS_CLIENT_CERT_REQUIRED', 403, 'Forbidden');
      return true;
    }
    const address = request.socket.remoteAddress ?? '';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const { connectionsMax, connectionsPerAddressMax } = this.options;
    if (this.wss.clients.size >= (connectionsMax ?? REPLICATION_CONNECTIONS_MAX_DEFAULT)) {
      refuse(socket, 'MERIDIAN_REPLICATION_TOO_MANY_CONNECTIONS');
      return true;
    }
    if (fromAddress >= (connectionsPerAddressMax ?? REPLICATION_CONNECTIONS_PER_ADDRESS_MAX_DEFAULT)) {
      refuse(socket, 'MERIDIAN_REPLICATION_TOO_MANY_CONNECTIONS_FROM_ADDRESS');
      return true;
    }
    this.perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
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

/** Answers a refused upgrade with 503 (or `status`) and the code, before any WebSocket exists. */
function refuse(socket: Duplex, code: string, status = 503, reason = 'Service Unavailable'): void {
  const body = JSON.stringify({ error: code });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export interface WsConnectorOptions {
  /** e.g. ws://10.0.0.1:7701/_meridian/replication, or wss:// */
  url: string;
  frameBytesMax?: number;
  handshakeTimeoutMs?: number;
  /** For wss://: the CA the primary's certificate must chain to, and this replica's client certificate. */
  tls?: TlsTrust;
}

/** What an outgoing TLS connection trusts (`ca`, PEM) and presents (`cert`/`key`, PEM) when asked. */
export interface TlsTrust {
  readonly ca?: string | Buffer | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
}

/** Node's codes for a peer certificate that does not verify. */
const CERT_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A connection error with its Meridian code when the cause is TLS: `MERIDIAN_TLS_CERT_INVALID` names why. */
export function tlsConnectError(error: Error, url: string): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !CERT_ERROR_CODES.has(code)) return error;
  return Object.assign(
    new Error(
      `MERIDIAN_TLS_CERT_INVALID: the certificate of ${new URL(url).host} is not trusted (${code}: ${error.message})`,
    ),
    { code: 'MERIDIAN_TLS_CERT_INVALID', cause: error },
  );
}

export class WsConnector implements Connector {
  constructor(private readonly options: WsConnectorOptions) {}

  connect(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const { tls } = this.options;
      const socket = new WebSocket(this.options.url, {
        maxPayload: this.options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
        perMessageDeflate: false,
        ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls?.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
      });
      const failed = (error: Error): void => reject(tlsConnectError(error, this.options.url));
      socket.once('error', failed);
      socket.once('unexpected-response', (_request, response) => {
        socket.terminate();
        if (response.statusCode === 403) {
          const refused = new Error(
            'MERIDIAN_TLS_CLIENT_CERT_REQUIRED: the primary asks replicas for a client certificate signed by its CA (tls.clientCerts)',
          );
          reject(Object.assign(refused, { code: 'MERIDIAN_TLS_CLIENT_CERT_REQUIRED' }));
          return;
        }
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
