import net from 'node:net';
import tls from 'node:tls';
import type { ByteString } from '@meridian/engine';
import { RespParser, RespProtocolError, type RespValue, writeReply } from '@meridian/resp';
import { ClientRegistry } from './clients.js';
import { RespSession, type SessionConnection } from './session.js';
import type { RespServices } from './services.js';
import type { Report } from '@meridian/metrics';

export const ERR_MAX_CLIENTS = 'ERR max number of clients reached';

function latin1(bytes: Uint8Array, start: number, end: number): ByteString {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function address(host: string | undefined, port: number | undefined): string {
  return `${host ?? '?'}:${port ?? 0}`;
}

/** One socket: parses requests, runs them one at a time in order, writes replies, enforces limits. */
/** Replies of one batch of pipelined commands held before a write, at most (characters = bytes, latin1). */
const OUTPUT_BATCH_CHARS_MAX = 64 * 1024;

class RespConnection implements SessionConnection {
  readonly session: RespSession;
  private readonly parser: RespParser;
  private busy = false;
  /** Inside `process`: replies wait in `output` and go out in one write when the buffered commands are done. */
  private processing = false;
  private output: string[] = [];
  private outputLength = 0;
  private softSinceMs: number | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly services: RespServices,
    clients: ClientRegistry,
    private readonly report: Report,
  ) {
    this.session = new RespSession(services, clients, this);
    this.parser = new RespParser({
      decode: latin1,
      authRequired: () => this.session.authRequired,
      limits: { queryBufferBytesMax: services.limits.queryBufferBytesMax },
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      this.process();
    });
    const idleMs = services.limits.idleTimeoutMs;
    if (idleMs > 0) {
      socket.setTimeout(idleMs, () => {
        if (!this.session.isWaiting && !this.busy) socket.destroy();
      });
    }
  }

  get addr(): string {
    return address(this.socket.remoteAddress, this.socket.remotePort);
  }

  get laddr(): string {
    return address(this.socket.localAddress, this.socket.localPort);
  }

  outputBytes(): number {
    return this.socket.writableLength;
  }

  send(values: readonly RespValue[]): void {
    if (this.session.closed) return;
    const protocol = this.session.protocol;
    for (const value of values) {
      const reply = writeReply(value, protocol);
      this.output.push(reply);
      this.outputLength += reply.length;
    }
    // Pipelined replies are written together, but never held past OUTPUT_BATCH_CHARS_MAX: the output
    // buffer limits are checked on what reached the socket.
    if ((!this.busy && !this.processing) || this.outputLength > OUTPUT_BATCH_CHARS_MAX) this.flush();
  }

  end(): void {
    this.flush();
    this.session.closed = true;
    this.socket.end();
  }

  destroy(reason: string): void {
    if (this.session.closed) return;
    this.report(`meridian: resp client ${this.session.id} (${this.addr}) closed: ${reason}`, {
      event: 'resp.client-closed',
      level: 'warn',
      fields: { client: this.session.id, reason },
    });
    this.session.closed = true;
    this.socket.destroy();
  }

  private flush(): void {
    if (this.output.length === 0 || this.socket.destroyed) return;
    const text = this.output.length === 1 ? (this.output[0] as string) : this.output.join('');
    this.output = [];
    this.outputLength = 0;
    this.socket.write(Buffer.from(text, 'latin1'));
    this.checkOutputLimit();
  }

  /** client-output-buffer-limit: a hard limit, and for subscribers a soft one held too long. */
  private checkOutputLimit(): void {
    const limits = this.services.limits;
    const pending = this.socket.writableLength;
    const subscriber = this.session.isSubscriber;
    const hard = subscriber ? limits.outputBytesMaxPubsub : limits.outputBytesMaxNormal;
    if (hard > 0 && pending > hard) {
      this.destroy(`output buffer ${pending} bytes over the ${subscriber ? 'pubsub' : 'normal'} limit of ${hard}`);
      return;
    }
    if (!subscriber || limits.outputBytesSoftPubsub <= 0 || pending <= limits.outputBytesSoftPubsub) {
      this.softSinceMs = undefined;
      return;
    }
    const nowMs = this.services.clock.nowMs();
    this.softSinceMs ??= nowMs;
    if (nowMs - this.softSinceMs >= limits.outputSoftMsPubsub) {
      this.destroy(`output buffer over the pubsub soft limit for ${limits.outputSoftMsPubsub} ms`);
    }
  }

  /** Runs every whole command buffered, in order; an asynchronous one holds the rest until it answers. */
  private process(): void {
    if (this.busy) return;
    this.processing = true;
    try {
      this.runBuffered();
    } finally {
      this.processing = false;
    }
    if (!this.busy) this.flush();
  }

  private runBuffered(): void {
    while (!this.session.closed) {
      const next = this.parser.next();
      if (next === undefined) break;
      if (next instanceof RespProtocolError) {
        this.protocolError(next);
        return;
      }
      const replies = this.session.handle(next);
      if (!(replies instanceof Promise)) {
        this.send(replies);
        continue;
      }
      this.busy = true;
      this.flush();
      replies.then(
        (settled) => this.resume(settled),
        (error: unknown) => {
          this.report(`meridian: resp command failed: ${error instanceof Error ? error.message : String(error)}`, {
            event: 'resp.command-failed',
            level: 'error',
          });
          this.resume([]);
          this.destroy('internal error');
        },
      );
      return;
    }
    this.flush();
  }

  private resume(replies: RespValue[]): void {
    this.busy = false;
    this.send(replies);
    this.process();
  }

  private protocolError(error: RespProtocolError): void {
    if (error.reply !== undefined) this.output.push(`-${error.reply}\r\n`);
    else
      this.report(`meridian: resp client ${this.session.id} (${this.addr}) closed: query buffer over its limit`, {
        event: 'resp.client-closed',
        level: 'warn',
        fields: { client: this.session.id, reason: 'query buffer over its limit' },
      });
    this.end();
  }

  dispose(): void {
    this.session.dispose();
  }
}

/** The RESP listener of a node (node:net). */
export class RespServer {
  private readonly server: net.Server;
  private readonly clients = new ClientRegistry();
  private readonly connections = new Set<RespConnection>();

  constructor(
    private readonly services: RespServices,
    private readonly report: Report,
    secure?: tls.TlsOptions,
  ) {
    this.server =
      secure === undefined
        ? net.createServer((socket) => this.accept(socket))
        : tls.createServer(secure, (socket) => this.accept(socket));
  }

  /** Serves a new certificate to new connections (SIGHUP); open ones carry on. */
  reloadTls(options: tls.SecureContextOptions): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(options);
  }

  get clientCount(): number {
    return this.connections.size;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy('the node is shutting down');
    await closing;
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined);
    if (this.connections.size >= this.services.limits.clientsMax) {
      socket.end(`-${ERR_MAX_CLIENTS}\r\n`);
      return;
    }
    const connection = new RespConnection(socket, this.services, this.clients, this.report);
    this.connections.add(connection);
    this.clients.add(connection.session);
    socket.once('close', () => {
      this.connections.delete(connection);
      this.clients.remove(connection.session);
      connection.dispose();
    });
  }
}
