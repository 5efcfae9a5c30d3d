import { MeridianError } from '@meridian/engine';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { digestKeyspace, Engine, type MaxMemoryPolicy } from '@meridian/engine';
import { LuaScriptRunner } from '@meridian/script';
import type { Clock, TimerHandle } from '@meridian/lag';
import { REPLICATION_PATH, SystemClock, type TlsTrust } from '@meridian/replication';
import {
  CORS_HEADERS,
  type CorsPolicy,
  REQUEST_BYTES_MAX_DEFAULT,
  RestAuth,
  type RestRequest,
  SecretToken,
} from '@meridian/rest';
import { MemoryWriteLog, type ReplicaWriteLog, type WriteLog, recoverEngine, snapshotStoreOf } from '@meridian/store';
import type { CommandRouter, LogPosition } from '@meridian/core';
import { EpochHistory } from './epochs.js';
import { RestHandler, type RestResponse } from './handler.js';
import { PubSubHub } from './pubsub/hub.js';
import { PubSubService, type PubSubSettings } from './pubsub/service.js';
import {
  HTTP_TIMEOUTS_DEFAULT,
  type ServedTls,
  type StreamHandler,
  createFrontListener,
  createHttpServer,
  tlsServerOptions,
} from './http-server.js';
import type { NodeLinks } from './links.js';
import { replayLog, SNAPSHOT_POLICY_DEFAULT, SnapshotScheduler, type SnapshotPolicy } from './persistence.js';
import { PrimaryRole, type PrimaryReplicationOptions } from './primary-role.js';
import { ReplicaRole, type ReplicaReplicationOptions } from './replica-role.js';
import type { HistoryStore } from './replica-store.js';
import { durabilityOf, logView, type RegionAddress } from './report.js';
import { BlockedClients } from './resp/blocking.js';
import { KeyspaceChanges, RecentWrites, WatchRegistry } from './resp/changes.js';
import { RespServer } from './resp/server.js';
import { RESP_SERVER_LIMITS_DEFAULT, type RespServerLimits } from './resp/services.js';
import { TrafficStats } from './traffic.js';
import { CommandMonitor, MonitoredRouter } from './monitor.js';
import { NodeMetrics } from './metrics.js';
import { memoryLimitOf } from './memory.js';
import { stampTiming } from './timing.js';
import { type Report, reportToStderr } from '@meridian/metrics';
import type { Server as TlsServer } from 'node:tls';

export interface MeridianNodeOptions {
  /** Standard REST token (MERIDIAN_TOKEN). Required unless `insecureNoAuth` on a loopback host. */
  readonly token?: string | undefined;
  readonly readonlyToken?: string | undefined;
  /** Guards the admin endpoints (/_meridian/status, digest, POST lag); the standard token does when unset. */
  readonly adminToken?: string | undefined;
  /** Serve without any token. Refused unless `host` is a loopback address. */
  readonly insecureNoAuth?: boolean;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  readonly region?: string | undefined;
  /**
   * The write log. A primary's `SqliteWriteLog` gives durability, snapshots and its replication id;
   * a replica's must be a ReplicaWriteLog (entries under the primary's offsets). Default: in memory.
   */
  readonly writeLog?: WriteLog;
  /** Names this log's history in sync tokens (primary). Default: the SqliteWriteLog's, else random. */
  readonly replicationId?: string;
  /** Replication as a primary (listener on this node's server) or as a replica of `primaryUrl`. */
  readonly replication?: PrimaryReplicationOptions | ReplicaReplicationOptions;
  /** Replica: where the primary's replication id is kept. Default: in memory. */
  readonly history?: HistoryStore;
  /** The links this node sends on (lag injection), shown and changed through /_meridian/lag. */
  readonly links?: NodeLinks;
  /** Where each region listens (INFO's slaveN lines). */
  readonly regionAddress?: RegionAddress;
  readonly snapshots?: Partial<SnapshotPolicy>;
  readonly clock?: Clock;
  readonly requestBytesMax?: number;
  /** Redis's busy-reply-threshold: a Lua script running longer is stopped with an error (default 5000). */
  readonly busyReplyThresholdMs?: number;
  /** How much a Lua script may grow the heap before it is stopped (default 256 MiB). */
  readonly scriptMemoryBytesMax?: number;
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
  /** Unsent bytes a pub/sub subscriber may accumulate before it is disconnected (default 1 MiB). */
  readonly sseBufferBytesMax?: number;
  /** Pub/sub limits and intervals (packages/node/PUBSUB.md). */
  readonly pubsub?: Partial<PubSubSettings>;
  /** The Redis protocol listener (RESP2/RESP3); undefined: none. Port 0: an ephemeral one. */
  readonly resp?: { readonly port: number; readonly limits?: Partial<RespServerLimits> };
  /**
   * Redis's maxmemory: over it, denyoom commands answer OOM (or keys are evicted, per
   * `maxMemoryPolicy`). 0: no limit. Default: a quarter of V8's heap limit (see memory.ts).
   */
  readonly maxMemoryBytes?: number;
  /** Redis's maxmemory-policy; default noeviction. */
  readonly maxMemoryPolicy?: MaxMemoryPolicy;
  /** Which origins a browser page may call this node from (regions.yaml `cors`); default any (`*`). */
  readonly cors?: CorsPolicy;
  /**
   * Serve HTTPS and WSS (and RESP over TLS) with this certificate; `requestClientCert` with
   * `clientCertRequired` makes the replication listener refuse replicas without a certificate `ca` signed.
   */
  readonly tls?: ServedTls & { readonly clientCertRequired?: boolean };
  /** Outgoing TLS (replication, forwarding, pub/sub reports to the primary): the CA to trust, the client certificate. */
  readonly trust?: TlsTrust;
  /** Operator messages (repairs, replication state, store failures). Default: stderr. */
  readonly report?: Report;
  /** May scrape `/metrics` besides the admin token (MERIDIAN_METRICS_TOKEN). */
  readonly metricsToken?: string | undefined;
  /** Regions in the topology, this one included (default 1): `x-meridian-durability: majority` waits for floor(n / 2) replicas. */
  readonly regionsTotal?: number;
  /** The failover epoch this node's role belongs to (0: the regions.yaml primary, never failed over). */
  readonly epoch?: number;
  /** Primary after a failover: the history it continues (old primary's id, last offset held of it). */
  readonly previousHistory?: { readonly replicationId: string; readonly offset: number };
  /**
   * Who switches this node's role when a failover promotes it or makes it follow another primary
   * (the process hosting it rebuilds the node in its new role). Undefined: the node refuses both.
   */
  readonly roleControl?: RoleControl;
  /** The epoch of each log entry (automatic failover compares regions by it); default: in memory. */
  readonly epochs?: EpochHistory;
  /** Automatic failover: why writes are refused now (no lease from a majority); undefined: taken. */
  readonly writeGate?: () => string | undefined;
  /**
   * Automatic failover: a `strong` request on the primary is answered once a majority of regions hold
   * everything it could see (a read index), so it never returns a write a failover later loses.
   */
  readonly strongReadIndex?: boolean;
  /** Automatic failover: POST /_meridian/election carries the regions' election messages to it. */
  readonly election?: ElectionEndpoint;
}

/** The node's side of automatic failover's messages (the process hosting the node owns the Election). */
export interface ElectionEndpoint {
  /** Handles a message from another region; answers the reply, or an error text for a malformed one. */
  receive(message: unknown): { reply: unknown } | { error: string };
  /** For /_meridian/status. */
  status(): Record<string, unknown>;
  /** A planned failover: the fenced primary gives the role up. */
  resign(): void;
  /** A planned failover's target stands at once (`transfer`: the primary resigned). */
  stand(transfer: boolean): void;
}

/** A role switch asked through POST /_meridian/failover/promote or /follow. */
export interface RoleControl {
  /** Become primary of `epoch`, continuing `previousHistory`. Answers at once; the switch follows. */
  promote(request: { epoch: number; previousHistory: { replicationId: string; offset: number } }): void;
  /** Replicate from `primary` (a region of the topology) in `epoch`. */
  follow(request: { epoch: number; primary: string }): void;
}

/** A configuration the node refuses to start with; `code` is stable. */
export class NodeConfigError extends Error {
  constructor(
    readonly code: 'MERIDIAN_NO_TOKEN' | 'MERIDIAN_INSECURE_NOT_LOOPBACK' | 'MERIDIAN_BAD_ROLE_CONFIG',
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

function isReplicaOptions(replication: MeridianNodeOptions['replication']): replication is ReplicaReplicationOptions {
  return replication !== undefined && 'primaryUrl' in replication;
}

function isReplicaLog(log: WriteLog): log is ReplicaWriteLog {
  return 'appendAt' in log && 'resetTo' in log;
}

/**
 * A region node: an engine, its write log and the REST API on node:http, in the role of primary
 * (runs every command, streams its log to replicas) or replica (applies the primary's log, serves
 * reads, forwards writes). `handle` answers a request without a socket; `start` listens.
 */
export class MeridianNode {
  readonly engine: Engine;
  readonly log: WriteLog;
  readonly region: string | undefined;
  readonly router: CommandRouter;
  readonly handler: RestHandler;
  private readonly primaryRole: PrimaryRole | undefined;
  /** The epoch of each log entry (see epochs.ts). */
  readonly epochs: EpochHistory;
  private readonly replicaRole: ReplicaRole | undefined;
  private readonly snapshots: SnapshotScheduler | undefined;
  private readonly clock: Clock;
  private readonly host: string;
  private readonly report: Report;
  private server: http.Server | undefined;
  /** The plain-HTTP listener (front door) in front of `server`; undefined with TLS. */
  private front: net.Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** This node's pub/sub subscribers (messages arrive by PUBLISH here or through replication). */
  readonly pubsub = new PubSubHub();
  readonly pubsubService: PubSubService;
  /** Commands per second and read latency, for `/_meridian/status` and the dashboard. */
  readonly traffic: TrafficStats;
  /** Prometheus metrics at `/metrics` (admin or metrics token). */
  readonly metrics: NodeMetrics;
  /** MONITOR over REST (`POST /monitor`, admin token): the commands this node runs. */
  readonly monitor: CommandMonitor;
  private expireTimer: TimerHandle | undefined;
  private ready = false;
  private closed = false;
  private readonly startedAtMs: number;
  private port = 0;
  private readonly auth: RestAuth | undefined;
  /** Keyspace changes seen by the write log: wake blocked RESP clients and dirty WATCHes. */
  readonly changes = new KeyspaceChanges();
  /** Which keys changed at which offset lately: checks replicas' forwarded WATCH … EXEC. */
  private readonly recentWrites: RecentWrites;
  private respServer: RespServer | undefined;
  private respListeningPort: number | undefined;

  constructor(private readonly options: MeridianNodeOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    const auth = authFrom(options, this.host);
    this.auth = auth;
    this.clock = options.clock ?? new SystemClock();
    this.report = options.report ?? reportToStderr;
    this.startedAtMs = this.clock.nowMs();
    this.monitor = new CommandMonitor(options.region ?? 'node', () => this.clock.nowMs());
    this.log = options.writeLog ?? new MemoryWriteLog();
    this.epochs = options.epochs ?? new EpochHistory(undefined);
    this.epochs.trimTo(this.log.lastOffset());
    this.region = options.region;
    this.metrics = new NodeMetrics(() => this.status(), {
      region: options.region ?? (isReplicaOptions(options.replication) ? 'replica' : 'primary'),
    });
    this.log.observeCommits?.(this.metrics.commit);
    this.watchLog(this.log);
    const replication = options.replication;
    const memoryLimit = memoryLimitOf(options.maxMemoryBytes, options.maxMemoryPolicy);
    if (isReplicaOptions(replication)) {
      if (!isReplicaLog(this.log)) {
        throw new NodeConfigError('MERIDIAN_BAD_ROLE_CONFIG', 'a replica needs a write log with appendAt/resetTo');
      }
      this.engine = new Engine({ role: 'replica', memoryLimit, scriptRunner: scriptRunnerFor(options) });
      this.replicaRole = new ReplicaRole({
        engine: this.engine,
        log: this.log,
        clock: this.clock,
        region: options.region ?? 'replica',
        history: options.history,
        links: options.links,
        replication,
        requestTimeoutMs: options.requestTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.requestTimeoutMs,
        report: this.report,
        observeWait: this.metrics.wait,
        trust: options.trust,
        epochs: this.epochs,
      });
      this.router = new MonitoredRouter(this.replicaRole.executor, this.monitor);
    } else {
      this.engine = new Engine({ role: 'primary', memoryLimit, scriptRunner: scriptRunnerFor(options) });
      this.recoverPrimary();
      this.primaryRole = new PrimaryRole({
        engine: this.engine,
        log: this.log,
        clock: this.clock,
        region: options.region ?? 'primary',
        replicationId: this.primaryReplicationId(),
        previousHistory: options.previousHistory,
        epoch: options.epoch ?? 0,
        regionsTotal: options.regionsTotal ?? 1,
        replication,
        links: options.links,
        regionAddress: options.regionAddress ?? (() => undefined),
        report: this.report,
        restoreDurableState: () => this.restoreDurableState(),
        observeWait: this.metrics.wait,
        writeGate: options.writeGate,
        strongReadIndex: options.strongReadIndex,
      });
      this.router = new MonitoredRouter(this.primaryRole.executor, this.monitor);
      this.openEpoch();
    }
    this.pubsubService = this.createPubSub(auth);
    this.engine.host = { infoSections: () => this.infoSections(), ...this.pubsubService.hostHooks() };
    this.snapshots = this.snapshotScheduler();
    this.traffic = new TrafficStats(() => this.clock.nowMs());
    this.recentWrites = new RecentWrites(this.changes, () => this.log.lastOffset());
    this.handler = new RestHandler({
      report: this.report,
      traffic: this.traffic,
      router: this.router,
      auth,
      adminToken: options.adminToken ? new SecretToken(options.adminToken) : undefined,
      requestBytesMax: options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT,
      region: options.region,
      ...(options.cors === undefined ? {} : { cors: options.cors }),
      admin: {
        isReady: () => this.ready,
        health: () => ({ ok: this.ready, region: this.region ?? null, role: this.role }),
        status: () => this.status(),
        digest: () => ({ offset: this.log.lastOffset(), digest: digestKeyspace(this.engine.db) }),
        failover: (action, body) => this.failoverAction(action, body),
        ...(options.election === undefined ? {} : { election: options.election }),
        links: options.links,
      },
      lostWrite: (token) => this.lostWrite(token),
      watchGuard: (keys, offset) => this.recentWrites.changedSince(keys, offset),
      timing: (headers, requestOffset) => {
        const role = this.primaryRole ?? this.replicaRole;
        if (role !== undefined) stampTiming(role, headers, requestOffset);
      },
      metrics: this.metrics,
      metricsToken: options.metricsToken ? new SecretToken(options.metricsToken) : undefined,
    });
  }

  get role(): 'primary' | 'replica' {
    return this.replicaRole === undefined ? 'primary' : 'replica';
  }

  /** The history this node's data belongs to ('' on a replica before its first sync). */
  get replicationId(): string {
    return this.primaryRole?.executor.replicationId ?? this.replicaRole?.replicationId() ?? '';
  }

  /** The region this node takes writes from: itself when primary, else the primary it follows. */
  get primaryRegion(): string | undefined {
    const replication = this.options.replication;
    return isReplicaOptions(replication) ? replication.primaryRegion : this.region;
  }

  /** Answers one request without a socket (tests, in-process embedding). */
  handle(request: RestRequest): RestResponse | Promise<RestResponse> {
    return this.handler.handle(request);
  }

  /** Listens, starts replication, active expiry and snapshots; resolves with the base URL. */
  async start(): Promise<string> {
    const httpOptions = {
      requestBytesMax: this.options.requestBytesMax ?? REQUEST_BYTES_MAX_DEFAULT,
      headersTimeoutMs: this.options.headersTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.headersTimeoutMs,
      requestTimeoutMs: this.options.requestTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.requestTimeoutMs,
      keepAliveTimeoutMs: this.options.keepAliveTimeoutMs ?? HTTP_TIMEOUTS_DEFAULT.keepAliveTimeoutMs,
      streams: this.withMonitor(this.options.streams ?? this.pubsubService.streams()),
      ...(this.options.cors === undefined ? {} : { cors: this.options.cors }),
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
    };
    const server = createHttpServer(this.handler, httpOptions);
    this.server = server;
    const track = (socket: Socket): void => {
      if (this.sockets.has(socket)) return;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    };
    server.on('connection', track);
    this.front = createFrontListener(server, this.handler, httpOptions, track);
    const listener = this.front ?? server;
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.pubsubService.handleUpgrade(request, socket, head)) return;
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path !== REPLICATION_PATH || this.primaryRole === undefined) socket.destroy();
    });
    this.primaryRole?.listen(server, this.options.tls?.clientCertRequired === true);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.options.port ?? 0, this.host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.port = (listener.address() as AddressInfo).port;
    if (this.options.resp !== undefined) await this.startResp(this.options.resp.port, this.options.resp.limits);
    this.replicaRole?.start();
    this.pubsubService.start();
    if (this.primaryRole !== undefined) this.scheduleActiveExpire();
    this.snapshots?.start();
    this.ready = true;
    return this.url;
  }

  /** The RESP listener's port; undefined when the node serves no RESP. */
  get respPort(): number | undefined {
    return this.respListeningPort;
  }

  private async startResp(port: number, limits: Partial<RespServerLimits> | undefined): Promise<void> {
    const merged = { ...RESP_SERVER_LIMITS_DEFAULT, ...limits };
    this.respServer = new RespServer(
      {
        router: this.router,
        auth: this.auth,
        engine: this.engine,
        hub: this.pubsub,
        watches: new WatchRegistry(this.changes),
        blocked: new BlockedClients(this.changes, merged.blockedClientsMax),
        clock: this.clock,
        role: () => this.role,
        limits: merged,
      },
      this.report,
      this.options.tls === undefined ? undefined : tlsServerOptions(this.options.tls),
    );
    this.respListeningPort = await this.respServer.listen(port, this.host);
  }

  /** Tells `changes` about every entry the log takes (the primary's appends, a replica's applied entries). */
  private watchLog(log: WriteLog): void {
    const append = log.append.bind(log);
    log.append = (timeMs, effects) => {
      const result = append(timeMs, effects);
      this.changes.notify(effects);
      return result;
    };
    if (!isReplicaLog(log)) return;
    const appendAt = log.appendAt.bind(log);
    log.appendAt = (offset, timeMs, effects) => {
      const result = appendAt(offset, timeMs, effects);
      this.changes.notify(effects);
      return result;
    };
  }

  get url(): string {
    const address = (this.front ?? this.server)?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null)
      throw new MeridianError('MERIDIAN_NODE_NOT_LISTENING', 'the node is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.options.tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;
  }

  /**
   * Serves a new certificate (SIGHUP after the files changed): new connections get it, open ones, replicas'
   * replication streams included, carry on undisturbed.
   */
  reloadTls(tls: ServedTls): void {
    if (this.options.tls === undefined || this.server === undefined) {
      throw new MeridianError('MERIDIAN_TLS_NOT_SERVED', 'this node serves no TLS: nothing to reload');
    }
    const options = tlsServerOptions({ ...tls, requestClientCert: this.options.tls.requestClientCert ?? false });
    (this.server as unknown as TlsServer).setSecureContext(options);
    this.respServer?.reloadTls(options);
  }

  /**
   * The failover steps a node takes (docs/failover.md): `fence` (a primary stops taking writes and
   * says its last offset), `unfence`, `promote` and `follow` (handed to `roleControl`).
   */
  private failoverAction(action: string, body: unknown): { status: number; body: unknown } {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const epoch = fields['epoch'];
    const bad = (message: string): { status: number; body: unknown } => ({
      status: 400,
      body: { error: `ERR ${message}` },
    });
    switch (action) {
      case 'fence': {
        const executor = this.primaryRole?.executor;
        if (executor === undefined) return bad('only the primary can be fenced');
        const to = typeof fields['to'] === 'string' ? fields['to'] : 'another region';
        executor.fence(
          `failover in progress: ${this.region ?? 'this region'} is handing the primary role to ${to}; retry in a moment`,
        );
        this.options.election?.resign();
        this.report(`meridian: fenced for a failover to ${to}: writes are refused at offset ${this.log.lastOffset()}`, {
          event: 'failover.fenced',
          level: 'warn',
          fields: { to, offset: this.log.lastOffset() },
        });
        return {
          status: 200,
          body: { offset: this.log.lastOffset(), replicationId: this.replicationId, epoch: this.epoch },
        };
      }
      case 'unfence':
        this.primaryRole?.executor.unfence();
        return { status: 200, body: { offset: this.log.lastOffset() } };
      case 'elect': {
        // Automatic failover: the target stands for election (the old primary fenced itself and resigned first).
        if (this.options.election === undefined)
          return bad('automatic failover is off (regions.yaml failover.automatic): use promote');
        this.options.election.stand(fields['transfer'] === true);
        return { status: 202, body: { standing: this.region ?? null } };
      }
      case 'promote': {
        const previous = fields['previousHistory'] as Record<string, unknown> | undefined;
        if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch <= this.epoch)
          return bad(`epoch must be a whole number above ${this.epoch}`);
        if (typeof previous?.['replicationId'] !== 'string' || typeof previous['offset'] !== 'number')
          return bad('previousHistory must be {"replicationId": <id>, "offset": <n>}');
        if (this.options.roleControl === undefined) return bad('this node cannot switch roles (no role control)');
        if (this.role === 'replica' && this.log.lastOffset() < previous['offset'])
          return bad(`this replica holds offset ${this.log.lastOffset()}, below the primary's ${previous['offset']}`);
        this.options.roleControl.promote({
          epoch,
          previousHistory: { replicationId: previous['replicationId'], offset: previous['offset'] },
        });
        return { status: 202, body: { promoting: this.region ?? null, epoch } };
      }
      case 'follow': {
        const primary = fields['primary'];
        if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < this.epoch)
          return bad(`epoch must be a whole number ≥ ${this.epoch}`);
        if (typeof primary !== 'string') return bad('primary must be a region name');
        if (this.options.roleControl === undefined) return bad('this node cannot switch roles (no role control)');
        this.options.roleControl.follow({ epoch, primary });
        return { status: 202, body: { following: primary, epoch } };
      }
      default:
        return {
          status: 404,
          body: { error: `ERR unknown failover step ${action} (fence, unfence, promote, follow)` },
        };
    }
  }

  /**
   * A sync token of the history this primary continues, past the offset it took over: the write
   * it names was acknowledged by the old primary but never reached this one (lost in the failover).
   */
  private lostWrite(token: { replicationId: string; offset: number }): string | undefined {
    const previous = this.options.previousHistory;
    if (this.primaryRole === undefined || previous === undefined) return undefined;
    if (token.replicationId !== previous.replicationId || token.offset <= previous.offset) return undefined;
    return (
      `ERR MERIDIAN_SYNC_TOKEN_LOST the write at offset ${token.offset} of history ${token.replicationId} was lost in the failover ` +
      `to epoch ${this.epoch} (this primary took over at offset ${previous.offset}); read without the token to see what survived`
    );
  }

  /** `POST /monitor` goes to the monitor (admin token only); other streams to `streams`. */
  private withMonitor(streams: StreamHandler): StreamHandler {
    return (parsed, request, response) => {
      if (parsed.stream !== 'monitor') return streams(parsed, request, response);
      const match = /^\s*bearer\s+(\S+)\s*$/i.exec(String(request.headers['authorization'] ?? ''));
      if (!this.handler.isAdminCredential(match?.[1])) {
        response.writeHead(403, { ...CORS_HEADERS, 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: 'NOPERM MONITOR needs the admin token' }));
        return;
      }
      this.monitor.open(response, this.router.currentSyncToken());
    };
  }

  /**
   * A primary of a newer epoch than its log's last entry opens the epoch with a marker entry, so
   * every region that applies it knows the epoch of what follows.
   */
  private openEpoch(): void {
    const executor = this.primaryRole?.executor;
    if (executor === undefined || this.epoch === 0) return;
    if (this.epochs.epochAt(this.log.lastOffset()) >= this.epoch) return;
    const offset = executor.appendEpochMarker(this.epoch);
    this.epochs.begin(this.epoch, offset);
  }

  /** Where this region's log ends: the epoch of its last entry, then its offset (automatic failover). */
  position(): LogPosition {
    return this.epochs.position(this.log.lastOffset());
  }

  /** The failover epoch of this node's role. */
  get epoch(): number {
    return this.options.epoch ?? 0;
  }

  /** `/_meridian/status`: the contract the router, `meridian status` and experiments read. */
  status(): Record<string, unknown> {
    const nowMs = this.clock.nowMs();
    const common = {
      region: this.region ?? null,
      role: this.role,
      epoch: this.epoch,
      position: this.position(),
      ...(this.options.election === undefined ? {} : { election: this.options.election.status() }),
      ready: this.ready,
      healthy: this.ready,
      replicationId: this.replicationId,
      durability: durabilityOf(this.log),
      log: logView(this.log),
      keys: this.engine.db.data.size,
      memory: {
        usedBytes: this.engine.usedMemoryBytes(),
        maxBytes: this.engine.memoryLimit.maxMemoryBytes,
        policy: this.engine.memoryLimit.policy,
      },
      uptimeMs: Math.round(nowMs - this.startedAtMs),
    };
    const role = this.primaryRole?.status(nowMs) ?? this.replicaRole?.status(nowMs) ?? {};
    const monitor = { streams: this.monitor.count, droppedSlow: this.monitor.droppedSlow };
    return { ...common, ...role, pubsub: this.pubsubService.status(), monitor, traffic: this.traffic.view(nowMs) };
  }

  /** Stops listening and replicating, drops connections, waits for a snapshot, closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.expireTimer?.cancel();
    this.pubsubService.close();
    this.monitor.close();
    await this.respServer?.close();
    this.replicaRole?.stop();
    await this.primaryRole?.close();
    const server = this.server;
    if (server !== undefined) {
      const listener = this.front ?? server;
      const closing = new Promise<void>((resolve) => listener.close(() => resolve()));
      server.closeAllConnections();
      // closeAllConnections misses sockets the HTTP parser does not track yet (just accepted).
      for (const socket of this.sockets) socket.destroy();
      await closing;
    }
    await this.snapshots?.stop();
    await this.log.close();
  }

  private createPubSub(auth: RestAuth | undefined): PubSubService {
    const { replication, links, sseBufferBytesMax } = this.options;
    const region = this.region ?? this.role;
    const toPrimary = isReplicaOptions(replication)
      ? {
          primaryUrl: replication.primaryUrl,
          secret: replication.secret,
          link: links?.model(region, replication.primaryRegion),
          trust: this.options.trust,
        }
      : undefined;
    return new PubSubService({
      hub: this.pubsub,
      region,
      clock: this.clock,
      settings: {
        ...(sseBufferBytesMax === undefined ? {} : { bufferBytesMax: sseBufferBytesMax }),
        ...this.options.pubsub,
      },
      authenticate: (credential) => (auth === undefined ? 'standard' : auth.authenticate(credential)),
      handle: (request) => this.handle(request),
      syncToken: () => this.router.currentSyncToken(),
      ...(toPrimary === undefined ? {} : { reportTo: toPrimary }),
      ...(replication !== undefined && toPrimary === undefined
        ? { acceptReports: { secret: replication.secret } }
        : {}),
      report: this.report,
    });
  }

  private primaryReplicationId(): string {
    if (this.options.replicationId !== undefined) return this.options.replicationId;
    const store = snapshotStoreOf(this.log);
    if (store !== undefined) return store.storedReplicationId;
    return randomBytes(12).toString('hex');
  }

  /**
   * After the log failed to store a write: the keyspace is rebuilt from what the log holds (as a
   * restart would find it), so writes answered MISCONF do not stay visible. Replay delivers no
   * pub/sub message a second time.
   */
  private restoreDurableState(): void {
    const host = this.engine.host;
    this.engine.host = {};
    try {
      this.engine.db.clear();
      this.recoverPrimary();
    } catch (error) {
      this.report(
        `meridian: could not rebuild the keyspace from the write log (${error instanceof Error ? error.message : String(error)}); it may hold refused writes until restart`,
        { event: 'store.rebuild-failed', level: 'error' },
      );
    } finally {
      this.engine.host = host;
    }
  }

  private recoverPrimary(): void {
    const store = snapshotStoreOf(this.log);
    if (store === undefined) {
      replayLog(this.engine, this.log);
      return;
    }
    const recovered = recoverEngine(this.engine, store);
    const from = recovered.snapshot === undefined ? 'no snapshot' : `snapshot at ${recovered.snapshot.offset}`;
    this.report(
      `meridian: recovered ${this.engine.db.data.size} keys at offset ${recovered.lastOffset} (${from}, ${recovered.replayedEntries} entries replayed)`,
      {
        event: 'node.recovered',
        fields: {
          keys: this.engine.db.data.size,
          offset: recovered.lastOffset,
          replayedEntries: recovered.replayedEntries,
        },
      },
    );
    const { maxMemoryBytes } = this.engine.memoryLimit;
    const usedBytes = this.engine.usedMemoryBytes();
    if (maxMemoryBytes > 0 && usedBytes > maxMemoryBytes) {
      this.report(
        `meridian: the recovered data (${usedBytes} bytes estimated) is over maxMemoryBytes (${maxMemoryBytes}): writes that grow memory answer OOM until keys are deleted (or evicted, with an eviction policy)`,
        { event: 'memory.over-limit', level: 'warn', fields: { usedBytes, maxMemoryBytes } },
      );
    }
  }

  private snapshotScheduler(): SnapshotScheduler | undefined {
    const log = snapshotStoreOf(this.log);
    if (log === undefined || log.policy === 'none') return undefined;
    return new SnapshotScheduler({
      log,
      engine: this.engine,
      clock: this.clock,
      policy: { ...SNAPSHOT_POLICY_DEFAULT, ...this.options.snapshots },
      timeMs: () => this.primaryRole?.executor.nowMs() ?? this.replicaRole?.lastTimeMs() ?? this.clock.nowMs(),
      enabled: () => this.primaryRole?.executor.failure === undefined,
      report: this.report,
    });
  }

  private infoSections(): Record<string, [string, string | number][]> {
    const nowMs = this.clock.nowMs();
    const sections: Record<string, [string, string | number][]> = {
      server: [
        ['tcp_port', this.port],
        ['uptime_in_seconds', Math.floor((nowMs - this.startedAtMs) / 1000)],
        ['meridian_region', this.region ?? ''],
        ['meridian_role', this.role],
      ],
      replication: this.primaryRole?.info(nowMs) ?? this.replicaRole?.info(nowMs) ?? [],
    };
    const store = snapshotStoreOf(this.log);
    if (store !== undefined) sections['persistence'] = store.infoFields();
    return sections;
  }

  private trimLog(): void {
    const retainedMax = this.options.logEntriesRetainedMax;
    if (retainedMax === undefined) return;
    const keepFrom = this.log.lastOffset() - retainedMax + 1;
    if (keepFrom > this.log.firstOffset()) this.log.truncateBefore(keepFrom);
  }

  private scheduleActiveExpire(): void {
    const executor = this.primaryRole?.executor;
    if (executor === undefined) return;
    const intervalMs = this.options.activeExpireIntervalMs ?? ACTIVE_EXPIRE_INTERVAL_MS_DEFAULT;
    const checksMax = this.options.activeExpireChecksMax ?? ACTIVE_EXPIRE_CHECKS_MAX_DEFAULT;
    this.expireTimer = this.clock.setTimer(intervalMs, () => {
      if (this.closed) return;
      for (let round = 0; round < ACTIVE_EXPIRE_ROUNDS_MAX; round++) {
        if (executor.expireRound(checksMax) * 4 < checksMax) break;
      }
      this.trimLog();
      this.scheduleActiveExpire();
    });
  }
}

function scriptRunnerFor(options: MeridianNodeOptions): LuaScriptRunner {
  return new LuaScriptRunner({
    ...(options.busyReplyThresholdMs !== undefined && { busyReplyThresholdMs: options.busyReplyThresholdMs }),
    ...(options.scriptMemoryBytesMax !== undefined && { scriptMemoryBytesMax: options.scriptMemoryBytesMax }),
  });
}
