import type { Engine } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import {
  REPLICATION_PATH,
  ReplicationReplica,
  type ReplicaEvent,
  type TlsTrust,
  WsConnector,
} from '@meridian/replication';
import { type ReplicaWriteLog, recoverEngine, snapshotStoreOf, StoreError } from '@meridian/store';
import { FORWARD_TIMEOUT_MS_DEFAULT, PrimaryForwarder } from './forwarder.js';
import type { NodeLinks } from './links.js';
import { replayLog } from './persistence.js';
import { ReplicaExecutor } from '@meridian/core';
import { type HistoryStore, MemoryHistory, PersistentApplier } from './replica-store.js';
import type { EpochHistory } from './epochs.js';
import { replicaReplicationInfo } from './report.js';
import { nextTurn } from './pipeline-slices.js';
import { timedWait, type WaitObserver } from './metrics.js';
import type { Report, ReportDetail } from '@meridian/metrics';
import { RecentTimes } from './timing.js';

/** Replication settings of a replica node. */
export interface ReplicaReplicationOptions {
  /** The primary's base URL, e.g. http://127.0.0.1:7701 (replication connects to ws://…/_meridian/replication). */
  readonly primaryUrl: string;
  readonly primaryRegion: string;
  readonly secret: string;
  /** Bound on how long a read waits for the replica to reach its sync token (then the primary answers). */
  readonly syncWaitMsMax?: number;
  /** Default: the region name. */
  readonly replicaId?: string;
  readonly frameBytesMax?: number;
  readonly reconnectDelayMsMin?: number;
  readonly reconnectDelayMsMax?: number;
  /** Bound on a forwarded answer's size. */
  readonly forwardResponseBytesMax?: number;
  /**
   * How long a request handed to the primary may wait for its answer (FORWARD_TIMEOUT_MS_DEFAULT);
   * then it answers 503 MERIDIAN_FORWARD_TIMEOUT. Requests with WAIT get the HTTP request timeout.
   */
  readonly forwardTimeoutMs?: number;
}

export interface ReplicaRoleOptions {
  readonly engine: Engine;
  readonly log: ReplicaWriteLog;
  readonly clock: Clock;
  readonly region: string;
  readonly history: HistoryStore | undefined;
  readonly links: NodeLinks | undefined;
  readonly replication: ReplicaReplicationOptions;
  readonly requestTimeoutMs: number;
  readonly report: Report;
  /** Times reads waiting for their sync token (metrics). */
  readonly observeWait?: WaitObserver | undefined;
  /** For an https:// primary: the CA to trust and this replica's client certificate. */
  readonly trust?: TlsTrust | undefined;
  readonly epochs?: EpochHistory | undefined;
}

const SYNC_WAIT_MS_MAX_DEFAULT = 1000;
const FORWARD_RESPONSE_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;

/**
 * The replica role: rebuilds the engine from its own log, follows the primary over WebSocket
 * (persisting every entry under the primary's offset), serves reads and forwards the rest.
 */
export class ReplicaRole {
  readonly executor: ReplicaExecutor;
  readonly replica: ReplicationReplica;
  private readonly applier: PersistentApplier;
  private readonly forwarder: PrimaryForwarder;
  private readonly history: HistoryStore;
  /** Apply times of recent entries, recorded once a timing request armed it (see timing.ts). */
  readonly appliedTimes: RecentTimes;
  private lastEventAtMs: number | undefined;
  private lastReported = '';

  constructor(private readonly options: ReplicaRoleOptions) {
    const { engine, log, clock, region, replication, links } = options;
    this.history = options.history ?? new MemoryHistory();
    const lastTimeMs = this.recover();
    this.applier = new PersistentApplier(
      engine,
      log,
      this.history,
      () => clock.nowMs(),
      options.report,
      { lastTimeMs },
      options.epochs,
    );
    const link = links?.model(region, replication.primaryRegion);
    const wsUrl = new URL(REPLICATION_PATH, replication.primaryUrl);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.replica = new ReplicationReplica({
      connector: new WsConnector({
        url: wsUrl.href,
        ...(options.trust === undefined ? {} : { tls: options.trust }),
        ...(replication.frameBytesMax === undefined ? {} : { frameBytesMax: replication.frameBytesMax }),
      }),
      applier: this.applier,
      clock,
      random: Math.random,
      replicaId: replication.replicaId ?? region,
      region,
      secret: replication.secret,
      ...(replication.reconnectDelayMsMin === undefined
        ? {}
        : { reconnectDelayMsMin: replication.reconnectDelayMsMin }),
      ...(replication.reconnectDelayMsMax === undefined
        ? {}
        : { reconnectDelayMsMax: replication.reconnectDelayMsMax }),
      ...(link === undefined ? {} : { link }),
    });
    // Per-entry 'applied' events are left out (one object per entry); info() reads lastAppliedAtMs.
    this.replica.on((event) => this.observe(event), { applied: false });
    // Only while armed: a listener that takes them makes the replica build 'applied' events.
    this.appliedTimes = new RecentTimes(
      (record) =>
        this.replica.on((event) => {
          if (event.kind === 'applied') record(event.offset, event.appliedAtMs);
        }),
      () => clock.nowMs(),
    );
    this.forwarder = new PrimaryForwarder({
      primaryUrl: replication.primaryUrl,
      region,
      clock,
      link,
      trust: options.trust,
      timeoutMs: replication.forwardTimeoutMs ?? FORWARD_TIMEOUT_MS_DEFAULT,
      waitTimeoutMs: options.requestTimeoutMs,
      responseBytesMax: replication.forwardResponseBytesMax ?? FORWARD_RESPONSE_BYTES_MAX_DEFAULT,
    });
    const replica = this.replica;
    this.executor = new ReplicaExecutor({
      engine,
      yieldTurn: nextTurn,
      clock,
      position: {
        get appliedOffset() {
          return replica.appliedOffset;
        },
        waitForOffset: (offset, timeoutMs) =>
          timedWait(options.observeWait, 'sync_token', () => clock.nowMs(), replica.waitForOffset(offset, timeoutMs)),
      },
      replicationId: () => this.history.read(),
      stalenessMs: () => this.stalenessMs(clock.nowMs()),
      forwarder: this.forwarder,
      syncWaitMsMax: replication.syncWaitMsMax ?? SYNC_WAIT_MS_MAX_DEFAULT,
    });
  }

  replicationId(): string {
    return this.history.read();
  }

  lastTimeMs(): number | undefined {
    return this.applier.lastTimeMs;
  }

  start(): void {
    this.replica.start();
  }

  stop(): void {
    this.appliedTimes.close();
    this.replica.stop();
    this.forwarder.close();
  }

  /** How stale the local data may be: what replication proves, or what the stored log proves. */
  stalenessMs(nowMs: number): number {
    const fromLog = this.applier.lastTimeMs === undefined ? Infinity : Math.max(0, nowMs - this.applier.lastTimeMs);
    return Math.min(this.replica.stalenessMs(nowMs), fromLog);
  }

  status(nowMs: number): Record<string, unknown> {
    const stalenessMs = this.stalenessMs(nowMs);
    const applied = this.replica.appliedOffset;
    return {
      appliedOffset: applied,
      primaryOffset: this.replica.primaryOffset,
      stalenessMs: Number.isFinite(stalenessMs) ? Math.round(stalenessMs) : null,
      lagOffsets: Math.max(0, this.replica.primaryOffset - applied),
      applyQueueEntries: this.replica.queuedEntries,
      masterLinkUp: this.replica.state === 'streaming',
      primaryRegion: this.options.replication.primaryRegion,
      replicationState: this.replica.state,
      // Cut off again and again without progress: reads must not come here (the router skips it).
      healthy: this.replica.healthy,
      cutOffsInARow: this.replica.cutOffsInARow,
      lastReplicationError: this.replica.lastError ?? null,
    };
  }

  info(nowMs: number): [string, string | number][] {
    const primary = new URL(this.options.replication.primaryUrl);
    const stalenessMs = this.stalenessMs(nowMs);
    const heard = Number.isFinite(stalenessMs) ? nowMs - stalenessMs : undefined;
    const lastIoAtMs = Math.max(
      this.lastEventAtMs ?? -Infinity,
      this.replica.lastAppliedAtMs ?? -Infinity,
      heard ?? -Infinity,
    );
    return replicaReplicationInfo({
      replica: this.replica,
      primary: { host: primary.hostname, port: Number(primary.port || 80) },
      replicationId: this.history.read(),
      stalenessMs,
      lastIoAtMs: Number.isFinite(lastIoAtMs) ? lastIoAtMs : undefined,
      nowMs,
    });
  }

  /** Rebuilds the engine from the log; a log that cannot be rebuilt is dropped (full resync). */
  private recover(): number | undefined {
    const { engine, log, report } = this.options;
    if (this.history.read() === '' && log.lastOffset() > 0) {
      report('meridian: the replica log has no recorded history; starting over with a full resync', {
        event: 'replica.log-without-history',
        level: 'warn',
      });
      log.resetTo(0);
      return undefined;
    }
    try {
      const store = snapshotStoreOf(log);
      if (store === undefined) {
        replayLog(engine, log);
        return undefined;
      }
      const recovered = recoverEngine(engine, store);
      report(
        `meridian: replica recovered ${engine.db.data.size} keys at offset ${recovered.lastOffset} (${recovered.replayedEntries} entries replayed)`,
        {
          event: 'replica.recovered',
          fields: {
            keys: engine.db.data.size,
            offset: recovered.lastOffset,
            replayedEntries: recovered.replayedEntries,
          },
        },
      );
      return recovered.lastTimeMs;
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== 'MERIDIAN_STORE_LOG_GAP') throw error;
      report(`meridian: ${error.message}; starting over with a full resync`, {
        event: 'replica.recovery-failed',
        level: 'warn',
      });
      engine.db.clear();
      log.resetTo(0);
      this.history.clear();
      return undefined;
    }
  }

  private observe(event: ReplicaEvent): void {
    const { clock, report } = this.options;
    if (event.kind !== 'disconnected' && event.kind !== 'error') this.lastEventAtMs = clock.nowMs();
    if (event.kind === 'applied') return;
    let line: string;
    let detail: ReportDetail;
    if (event.kind === 'connected') {
      line = `connected to the primary, ${event.mode} resync from ${event.offset}`;
      detail = { event: 'replication.connected', fields: { mode: event.mode, offset: event.offset } };
    } else if (event.kind === 'snapshot-loaded') {
      line = `loaded the primary's snapshot at ${event.offset} (${event.keyCount} keys)`;
      detail = { event: 'replication.snapshot-loaded', fields: { offset: event.offset, keys: event.keyCount } };
    } else if (event.kind === 'disconnected') {
      line = `disconnected from the primary: ${event.code} ${event.reason}`;
      detail = { event: 'replication.disconnected', level: 'warn', fields: { code: event.code } };
    } else {
      line = `replication error ${event.code}: ${event.message}`;
      detail = { event: 'replication.error', level: 'warn', fields: { code: event.code } };
    }
    // Reconnect attempts against a primary that is down repeat the same line: say it once.
    const key = event.kind === 'error' ? `${event.code}` : event.kind;
    if (key === this.lastReported && (key === 'CONNECT_FAILED' || key === 'disconnected')) return;
    this.lastReported = key;
    report(`meridian: ${line}`, detail);
  }
}
