import { timedWait, type WaitObserver } from './metrics.js';
import type http from 'node:http';
import type { Engine } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import { engineSnapshotSource, ReplicationPrimary, WsListener } from '@meridian/replication';
import type { WriteLog } from '@meridian/store';
import { PrimaryExecutor, type ReplicaAcks } from '@meridian/core';
import type { NodeLinks } from './links.js';
import { primaryReplicationInfo, type RegionAddress, replicaViews } from './report.js';
import { nextTurn } from './pipeline-slices.js';
import type { Report } from '@meridian/metrics';
import { RecentTimes } from './timing.js';

/** Replication settings of a primary node. */
export interface PrimaryReplicationOptions {
  /** Shared with the replicas (MERIDIAN_REPLICATION_SECRET). */
  readonly secret: string;
  readonly heartbeatMs?: number;
  readonly backlogBytesMax?: number;
  readonly frameBytesMax?: number;
  /** WAIT's timeout bound (and what WAIT 0, "forever", waits). */
  readonly waitMsMax?: number;
}

export interface PrimaryRoleOptions {
  readonly engine: Engine;
  readonly log: WriteLog;
  readonly clock: Clock;
  readonly region: string;
  readonly replicationId: string;
  /** The history this one continues after a failover (see PrimaryOptions.previousHistory). */
  readonly previousHistory: { readonly replicationId: string; readonly offset: number } | undefined;
  /** The failover epoch this primary serves (0: never failed over). */
  readonly epoch: number;
  /** Regions in the topology, the primary included (majority durability needs floor(n / 2) replicas). */
  readonly regionsTotal: number;
  /** undefined: no replication (a standalone primary). */
  readonly replication: PrimaryReplicationOptions | undefined;
  readonly links: NodeLinks | undefined;
  readonly regionAddress: RegionAddress;
  readonly report: Report;
  /** See PrimaryExecutorOptions.restoreDurableState. */
  readonly restoreDurableState: () => void;
  /** Automatic failover's fencing: why writes are refused now (no lease), else undefined. */
  readonly writeGate?: (() => string | undefined) | undefined;
  /** Automatic failover: strong requests wait for a majority to hold what they could see (a read index). */
  readonly strongReadIndex?: boolean | undefined;
  /** Times WAIT and majority writes waiting for replica acks (metrics). */
  readonly observeWait?: WaitObserver | undefined;
}

/**
 * The primary role: the executor that runs every command, and — once the HTTP server exists —
 * the replication listener on `/_meridian/replication` streaming the log to replicas.
 */
export class PrimaryRole {
  readonly executor: PrimaryExecutor;
  /** Replicas synced since start, by a snapshot (full) or from the log (partial). */
  private fullResyncs = 0;
  private partialResyncs = 0;
  private replication: ReplicationPrimary | undefined;
  /** Commit times of recent writes, recorded once a timing request armed it (see timing.ts). */
  readonly commitTimes: RecentTimes;
  private onCommit: ((offset: number, atMs: number) => void) | undefined;

  constructor(private readonly options: PrimaryRoleOptions) {
    this.commitTimes = new RecentTimes(
      (record) => {
        this.onCommit = record;
        return () => (this.onCommit = undefined);
      },
      () => options.clock.nowMs(),
    );
    const acks: ReplicaAcks = {
      ackedReplicas: (offset) => this.replication?.ackedReplicas(offset) ?? 0,
      waitForReplicas: (replicas, offset, timeoutMs) =>
        timedWait(
          options.observeWait,
          'replica_acks',
          () => options.clock.nowMs(),
          this.replication?.waitForReplicas(replicas, offset, timeoutMs) ?? Promise.resolve(0),
          replicas,
        ),
    };
    this.executor = new PrimaryExecutor({
      engine: options.engine,
      yieldTurn: nextTurn,
      log: options.log,
      clock: options.clock,
      replicationId: options.replicationId,
      onAppend: () => {
        this.onCommit?.(options.log.lastOffset(), options.clock.nowMs());
        this.replication?.onAppend();
      },
      replicas: acks,
      ...(options.replication?.waitMsMax === undefined ? {} : { waitMsMax: options.replication.waitMsMax }),
      majorityReplicas: Math.floor(options.regionsTotal / 2),
      ...(options.replication?.waitMsMax === undefined ? {} : { majorityWaitMs: options.replication.waitMsMax }),
      onStoreFailure: (error) =>
        options.report(`meridian: the write log failed, writes are refused until restart: ${error.message}`, {
          event: 'store.failed',
          level: 'error',
        }),
      restoreDurableState: options.restoreDurableState,
      ...(options.writeGate === undefined ? {} : { writeGate: options.writeGate }),
      ...(options.strongReadIndex === true ? { strongReadIndex: true } : {}),
    });
  }

  /** Accepts replicas on the node's server (no-op without replication settings). */
  listen(server: http.Server, clientCertRequired = false): void {
    const settings = this.options.replication;
    if (settings === undefined) return;
    const { engine, log, clock, links, region, report } = this.options;
    // Replicas send only small frames: the listener's limit is the small default, whatever the send limit.
    const listener = new WsListener({ server, clientCertRequired });
    this.replication = new ReplicationPrimary({
      listener,
      ...(settings.frameBytesMax === undefined ? {} : { frameBytesMax: settings.frameBytesMax }),
      log,
      clock,
      snapshots: engineSnapshotSource(engine, log, clock),
      secret: settings.secret,
      replicationId: this.options.replicationId,
      previousHistory: this.options.previousHistory,
      ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
      ...(settings.backlogBytesMax === undefined ? {} : { backlogBytesMax: settings.backlogBytesMax }),
      linkFor: (replica) => links?.model(region, replica.region),
      onEvent: (event) => {
        if (event.kind === 'synced') {
          if (event.mode === 'full') this.fullResyncs++;
          else this.partialResyncs++;
          report(
            `meridian: replica ${event.replicaId} (${event.region}) connected, ${event.mode} resync from ${event.offset}`,
            {
              event: 'replica.synced',
              fields: { replica: event.region, replicaId: event.replicaId, mode: event.mode, offset: event.offset },
            },
          );
        } else if (event.kind === 'diverged') {
          report(
            event.discarded > 0
              ? `meridian: replica ${event.replicaId} (${event.region}) is at offset ${event.offset}, past this primary's take-over: its ${event.discarded} unreplicated entries are discarded by a full resync`
              : `meridian: replica ${event.replicaId} (${event.region}) holds another entry at ${event.offset} than this primary: its tail is replaced by a full resync`,
            {
              event: 'replica.diverged',
              level: 'warn',
              fields: {
                replica: event.region,
                replicaId: event.replicaId,
                offset: event.offset,
                discarded: event.discarded,
              },
            },
          );
        } else {
          report(`meridian: replica ${event.replicaId} (${event.region}) disconnected: ${event.code} ${event.reason}`, {
            event: 'replica.disconnected',
            level: 'warn',
            fields: { replica: event.region, replicaId: event.replicaId, code: event.code },
          });
        }
      },
    });
  }

  status(nowMs: number): Record<string, unknown> {
    const { log } = this.options;
    const last = log.lastOffset();
    return {
      appliedOffset: last,
      primaryOffset: last,
      stalenessMs: 0,
      lagOffsets: 0,
      replicas: replicaViews(this.replication?.status() ?? [], log, nowMs),
      writesRefused: this.executor.failure?.message ?? this.executor.fenced ?? null,
      epoch: this.options.epoch,
      previousHistory: this.options.previousHistory ?? null,
      divergedReplicas: this.replication?.divergedCount ?? 0,
      resyncs: { full: this.fullResyncs, partial: this.partialResyncs },
    };
  }

  info(nowMs: number): [string, string | number][] {
    const { log, replicationId, regionAddress } = this.options;
    return primaryReplicationInfo(this.replication?.status() ?? [], log, replicationId, regionAddress, nowMs);
  }

  async close(): Promise<void> {
    this.commitTimes.close();
    await this.replication?.close();
  }
}
