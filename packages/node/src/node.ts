import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Engine } from '@meridian/engine';
import type { Clock, TimerHandle } from '@meridian/lag';
import { REQUEST_BYTES_MAX_DEFAULT, RestAuth, type RestRequest, SecretToken } from '@meridian/rest';
import { MemoryWriteLog, type WriteLog } from '@meridian/store';
import { systemClock } from './clock.js';
import { type CommandRouter, PrimaryExecutor } from './executor.js';
import { RestHandler, type RestResponse } from './handler.js';
import { HTTP_TIMEOUTS_DEFAULT, type StreamHandler, createHttpServer } from './http-server.js';

export interface MeridianNodeOptions {
  /** Standard REST token (MERIDIAN_TOKEN). Required unless `insecureNoAuth` on a loopback host. */
  readonly token?: string | undefined;
  readonly readonlyToken?: string | undefined;
  /** Guards /_meridian/status and future admin endpoints; the standard token does when unset. */
  readonly adminToken?: string | undefined;
  /** Serve without any token. Refused unless `host` is a loopback address. */
  readonly insecureNoAuth?: boolean;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  readonly region?: string | undefined;
  /** Default: an in-memory log (nothing survives a restart). */
  readonly writeLog?: WriteLog;
  /** Names this log's history in sync tokens; keep it with a durable log. Default: random. */
  readonly replicationId?: string;
  readonly clock?: Clock;
  readonly requestBytesMax?: number;
  /**
   * Keep at most this many log entries, dropping older ones on the housekeeping timer. For an
   * in-memory log with nobody reading old entries; leave unset when replicas or restarts need them.
   */
  readonly logEntriesRetainedMax?: number;
  readonly activeExpireIntervalMs?: number;
  readonly activeExpireChecksMax?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  /** The SSE layer (pub/sub, monitor); without it those paths answer 501. */
  readonly streams?: StreamHandler;
}

/** A configuration the node refuses to start with; `code` is stable. */
export class NodeConfigError extends Error {
  constructor(
    readonly code: 'MERIDIAN_NO_TOKEN' | 'MERIDIAN_INSECURE_NOT_LOOPBACK',
    message: string,
  ) {
    super(message);
    this.name = 'NodeConfigError';
  }
}

const ACTIVE_EXPIRE_INTERVAL_MS_DEFAULT = 100;
const ACTIVE_EXPIRE_CHECKS_MAX_DEFAULT = 200;
/** Rounds per tick while a round keeps finding many expired keys (Redis's "repeat if > 25 %"). */
const ACTIVE_EXPIRE_ROUNDS_MAX = 10;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function authFrom(options: MeridianNodeOptions, host: string): RestAuth | undefined {
  if (options.token !== undefined && options.token !== '') {
    return new RestAuth({ token: options.token, readonlyToken: options.readonlyToken || undefined });
  }
  if (options.insecureNoAuth !== true) {
    throw new NodeConfigError(
      'MERIDIAN_NO_TOKEN',
      'refusing to start without a token: set MERIDIAN_TOKEN, or use --insecure-no-auth (allowed only on a loopback host such as 127.0.0.1)',
    );
  }
  if (!isLoopbackHost(host)) {
    throw new NodeConfigError(
      'MERIDIAN_INSECURE_NOT_LOOPBACK',
      `refusing to serve without a token on ${host}: --insecure-no-auth is allowed only on a loopback host such as 127.0.0.1; set MERIDIAN_TOKEN`,
    );
  }
  return undefined;
}

/** Replays a log that still starts at offset 1 (a restart without snapshots). */
function replayLog(engine: Engine, log: WriteLog): void {
  if (log.lastOffset() === 0) return;
  if (log.firstOffset() !== 1) {
    throw new Error(
      `the write log starts at offset ${log.firstOffset()}: restarting from a truncated log needs a snapshot, which this node cannot load yet`,
    );
  }
  let next = 1;
  while (next <= log.lastOffset()) {
    const read = log.read(next, { entriesMax: 1024, bytesMax: 16 * 1024 * 1024 });
    if (read.kind === 'truncated' || read.entries.length === 0)
      throw new Error(`cannot read the write log at offset ${next}`);
    for (const entry of read.entries) engine.applyEffects(entry.effects, entry.timeMs);
    next = (read.entries[read.entries.length - 1]?.offset ?? next) + 1;
  }
}

/**
 * A region node in the primary role: an engine, its write log, and the REST API on node:http.
 * `handle` answers a request without a socket; `start` listens.
 */
export class MeridianNode {
  readonly engine = new Engine({ role: 'primary' });
  readonly log: WriteLog;
  readonly replicationId: string;
  readonly region: string | undefined;
  readonly router: CommandRouter;
  readonly handler: RestHandler;
  private readonly executor: PrimaryExecutor;
  private readonly clock: Clock;
  private readonly host: string;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private expireTimer: TimerHandle | undefined;
  private ready = false;
  private closed = false;
  private readonly startedAtMs: number;

  constructor(private readonly options: MeridianNodeOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    const auth = authFrom(options, this.host);
    this.clock = options.clock ?? systemClock;
    this.startedAtMs = this.clock.nowMs();
    this.log = options.writeLog ?? new MemoryWriteLog();
    this.replicationId = options.replicationId ?? randomBytes(12).toString('hex');
    this.region = options.region;
    replayLog(this.engine, this.log);
    this.executor = new PrimaryExecutor(this.engine, this.log, this.clock, this.replicationId);
    this.router = this.executor;
    this.handler = new RestHandler({
      router: this.router,
      auth,
      adminToken: options.adminToken ? new SecretToken(options.adminToken) : undefined,
      requestBytesMax: options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT,
      region: options.region,
      isReady: () => this.ready,
      status: () => this.status(),
    });
  }

  /** Answers one request without a socket (tests, in-process embedding). */
  handle(request: RestRequest): RestResponse | Promise<RestResponse> {
    return this.handler.handle(request);
  }

  /** Starts active expiry and listens; resolves with the base URL. */
  async start(): Promise<string> {
    const server = createHttpServer(this.handler, {
      requestBytesMax: this.options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT,
      headersTimeoutMs: this.options.headersTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.headersTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.requestTimeoutMs,
      keepAliveTimeoutMs: this.options.keepAliveTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.keepAliveTimeoutMs,
      streams: this.options.streams,
    });
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.scheduleActiveExpire();
    this.ready = true;
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) throw new Error('the node is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  status(): Record<string, unknown> {
    return {
      role: this.engine.role,
      region: this.region ?? null,
      replicationId: this.replicationId,
      ready: this.ready,
      offsets: { first: this.log.firstOffset(), last: this.log.lastOffset(), applied: this.log.lastOffset() },
      keys: this.engine.db.data.size,
      uptimeMs: Math.round(this.clock.nowMs() - this.startedAtMs),
    };
  }

  /** Stops listening, drops connections, stops expiry and closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.expireTimer?.cancel();
    const server = this.server;
    if (server !== undefined) {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // closeAllConnections misses sockets the HTTP parser does not track yet (just accepted).
      for (const socket of this.sockets) socket.destroy();
      await closing;
    }
    await this.log.close();
  }

  private trimLog(): void {
    const retainedMax = this.options.logEntriesRetainedMax;
    if (retainedMax === undefined) return;
    const keepFrom = this.log.lastOffset() - retainedMax + 1;
    if (keepFrom > this.log.firstOffset()) this.log.truncateBefore(keepFrom);
  }

  private scheduleActiveExpire(): void {
    const intervalMs = this.options.activeExpireIntervalMs ?? ACTIVE_EXPIRE_INTERVAL_MS_DEFAULT;
    const checksMax = this.options.activeExpireChecksMax ?? ACTIVE_EXPIRE_CHECKS_MAX_DEFAULT;
    this.expireTimer = this.clock.setTimer(intervalMs, () => {
      if (this.closed) return;
      for (let round = 0; round < ACTIVE_EXPIRE_ROUNDS_MAX; round++) {
        if (this.executor.expireRound(checksMax) * 4 < checksMax) break;
      }
      this.trimLog();
      this.scheduleActiveExpire();
    });
  }
}
