import type { ReplicaStatus, ReplicationReplica } from '@meridian/replication';
import type { WriteLog } from '@meridian/store';
import { snapshotStoreOf } from '@meridian/store';

type InfoField = [string, string | number];

/** Where a region listens, for INFO's slaveN lines (Redis shows the replica's listening port). */
export type RegionAddress = (region: string) => { host: string; port: number } | undefined;

/** One replica as `/_meridian/status` lists it on the primary. */
export interface ReplicaView {
  region: string;
  replicaId: string;
  state: string;
  ackedOffset: number;
  lagOffsets: number;
  lagMs: number;
  /** Bytes queued for the replica on its connection, not yet sent. */
  backlogBytes: number;
}

/** The log part of `/_meridian/status`. */
export function logView(log: WriteLog): { firstOffset: number; lastOffset: number; snapshotOffset: number } {
  const snapshotOffset = snapshotStoreOf(log)?.snapshots()[0]?.offset ?? 0;
  return { firstOffset: log.firstOffset(), lastOffset: log.lastOffset(), snapshotOffset };
}

export function durabilityOf(log: WriteLog): string {
  return snapshotStoreOf(log)?.policy ?? 'memory';
}

/** How long the oldest write a replica has not acknowledged has been waiting (0 when none). */
export function replicaLagMs(log: WriteLog, ackedOffset: number, nowMs: number): number {
  if (ackedOffset >= log.lastOffset()) return 0;
  const read = log.read(ackedOffset + 1, { entriesMax: 1, bytesMax: 1 });
  const entry = read.kind === 'entries' ? read.entries[0] : undefined;
  return entry === undefined ? 0 : Math.max(0, Math.round(nowMs - entry.timeMs));
}

export function replicaViews(statuses: readonly ReplicaStatus[], log: WriteLog, nowMs: number): ReplicaView[] {
  return statuses.map((status) => ({
    region: status.region,
    replicaId: status.replicaId,
    state: status.state,
    ackedOffset: status.ackedOffset,
    lagOffsets: status.lagEntries,
    lagMs: replicaLagMs(log, status.ackedOffset, nowMs),
    backlogBytes: status.backlogBytes,
  }));
}

/** Redis's replica states: full sync in progress, then online. */
function redisReplicaState(state: string): string {
  if (state === 'snapshot') return 'send_bulk';
  if (state === 'handshake') return 'wait_bgsave';
  return 'online';
}

/** INFO `# Replication` on the primary, Redis's fields first, then Meridian's. */
export function primaryReplicationInfo(
  statuses: readonly ReplicaStatus[],
  log: WriteLog,
  replicationId: string,
  address: RegionAddress,
  nowMs: number,
): InfoField[] {
  const fields: InfoField[] = [
    ['role', 'master'],
    ['connected_slaves', statuses.length],
  ];
  statuses.forEach((status, i) => {
    const where = address(status.region);
    const lagSeconds = status.lastAckAtMs > 0 ? Math.floor((nowMs - status.lastAckAtMs) / 1000) : 0;
    fields.push([
      `slave${i}`,
      `ip=${where?.host ?? '?'},port=${where?.port ?? 0},state=${redisReplicaState(status.state)},offset=${status.ackedOffset},lag=${Math.max(0, lagSeconds)}`,
    ]);
  });
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', replicationId],
    ['master_repl_offset', log.lastOffset()],
    ['repl_backlog_first_byte_offset', log.firstOffset()],
    ['meridian_replication_id', replicationId],
  );
  for (const [i, status] of statuses.entries()) {
    fields.push([`meridian_replica${i}`, `region=${status.region},lag_entries=${status.lagEntries}`]);
  }
  return fields;
}

export interface ReplicaInfoInput {
  readonly replica: ReplicationReplica;
  readonly primary: { host: string; port: number };
  readonly replicationId: string;
  readonly stalenessMs: number;
  readonly lastIoAtMs: number | undefined;
  readonly nowMs: number;
}

/** INFO `# Replication` on a replica. */
export function replicaReplicationInfo(input: ReplicaInfoInput): InfoField[] {
  const { replica, primary, stalenessMs, lastIoAtMs, nowMs } = input;
  const up = replica.state === 'streaming';
  const lastIoSeconds = !up || lastIoAtMs === undefined ? -1 : Math.floor(Math.max(0, nowMs - lastIoAtMs) / 1000);
  return [
    ['role', 'slave'],
    ['master_host', primary.host],
    ['master_port', primary.port],
    ['master_link_status', up ? 'up' : 'down'],
    ['master_last_io_seconds_ago', lastIoSeconds],
    ['master_sync_in_progress', replica.state === 'syncing' ? 1 : 0],
    ['slave_repl_offset', replica.appliedOffset],
    ['slave_read_only', 1],
    ['connected_slaves', 0],
    ['master_replid', input.replicationId],
    ['meridian_replication_id', input.replicationId],
    ['meridian_staleness_ms', Number.isFinite(stalenessMs) ? Math.round(stalenessMs) : -1],
    ['meridian_primary_offset', replica.primaryOffset],
    ['meridian_replica_state', replica.state],
  ];
}
