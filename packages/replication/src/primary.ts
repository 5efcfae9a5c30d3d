import type { SnapshotEntry } from '@meridian/engine';
import type { Clock, LinkModel, TimerHandle } from '@meridian/lag';
import type { LogEntry, ReadResult, WriteLog } from '@meridian/store';
import { DelayedConnection } from './delayed-connection.js';
import { ReplicaSession, type SessionHost, type SessionState } from './primary-session.js';
import { ASSEMBLED_BYTES_MAX_DEFAULT, FRAME_BYTES_MAX_DEFAULT, FRAME_BYTES_MIN, splitFrame } from './frame-parts.js';
import { encodeFrame, entryChecksum, type Frame, type HelloFrame, PROTOCOL_VERSION } from './protocol.js';
import { secretsEqual } from './secret.js';
import type { Connection, Listener } from './transport.js';

/** The keyspace as of `offset`: every log entry ≤ offset applied, none after. */
export interface Snapshot {
  offset: number;
  timeMs: number;
  entries: Iterable<SnapshotEntry>;
}

export interface SnapshotSource {
  take(): Snapshot;
}

export interface PrimaryOptions {
  listener: Listener;
  log: WriteLog;
  snapshots: SnapshotSource;
  clock: Clock;
  secret: string;
  /** Names this history; a replica holding another history's data gets a full resync. */
  replicationId: string;
  /**
   * The history this one continues (PSYNC2's secondary id): after a failover, the old primary's
   * id and the last offset this node held of it. Its replicas resume partially up to that offset.
   */
  previousHistory?: { readonly replicationId: string; readonly offset: number } | undefined;
  heartbeatMs?: number;
  backlogBytesMax?: number;
  frameBytesMax?: number;
  /** Largest frame sent as parts; must not exceed what replicas join (default 1 GiB). */
  assembledBytesMax?: number;
  catchUpWindowBytes?: number;
  entriesPerFrameMax?: number;
  handshakeTimeoutMs?: number;
  /** The primary→replica link model for lag injection (undefined: no injected lag). */
  linkFor?: (replica: { replicaId: string; region: string }) => LinkModel | undefined;
  onEvent?: (event: PrimaryEvent) => void;
}

export type PrimaryEvent =
  | { kind: 'synced'; replicaId: string; region: string; mode: 'partial' | 'full'; offset: number }
  | { kind: 'disconnected'; replicaId: string; region: string; code: number; reason: string }
  /** The replica's entry at its resume point differs from ours: its tail is replaced by a full resync. */
  | { kind: 'diverged'; replicaId: string; region: string; offset: number; discarded: number };

export interface ReplicaStatus {
  replicaId: string;
  region: string;
  state: SessionState;
  sentOffset: number;
  ackedOffset: number;
  /** Entries the replica has not acknowledged yet. */
  lagEntries: number;
  lastAckAtMs: number;
  backlogBytes: number;
}

interface Waiter {
  replicas: number;
  offset: number;
  resolve: (acked: number) => void;
  timer: TimerHandle | undefined;
}

const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** Entries in one entries frame at most (catch-up sends a backlog as frames of this many). */
export const ENTRIES_PER_FRAME_MAX_DEFAULT = 1000;

/**
 * The primary side of replication: handshakes, partial resync from the write log, full resync
 * from a snapshot, live batches, heartbeats, acks and WAIT. Call `onAppend()` after each append.
 */
export class ReplicationPrimary {
  private readonly sessions = new Set<ReplicaSession>();
  private readonly waiters = new Set<Waiter>();
  private readonly host: SessionHost;
  private heartbeatTimer: TimerHandle | undefined;
  private pumpTimer: TimerHandle | undefined;
  /** Entries frames encoded during a live pump turn, by first offset, for the other replicas at the same position. */
  private readonly shared = new Map<number, { to: number; frame: Uint8Array }>();
  private sharing = false;
  /** The last log read of a live pump turn (the log does not change during the turn). */
  private sharedRead: { from: number; entriesMax: number; bytesMax: number; read: ReadResult } | undefined;
  private readonly heartbeatMs: number;
  private stopped = false;

  constructor(private readonly options: PrimaryOptions) {
    this.heartbeatMs = options.heartbeatMs ?? 100;
    const frameBytesMax = Math.max(FRAME_BYTES_MIN, options.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT);
    const backlogBytesMax = options.backlogBytesMax ?? 64 * 1024 * 1024;
    const limits = {
      frameBytesMax,
      assembledBytesMax: options.assembledBytesMax ?? ASSEMBLED_BYTES_MAX_DEFAULT,
      backlogBytesMax,
      catchUpWindowBytes: options.catchUpWindowBytes ?? Math.min(1024 * 1024, Math.floor(backlogBytesMax / 4)),
      entriesPerFrameMax: options.entriesPerFrameMax ?? ENTRIES_PER_FRAME_MAX_DEFAULT,
    };
    this.host = {
      log: options.log,
      clock: options.clock,
      limits,
      readLog: (from, entriesMax, bytesMax) => this.readLog(from, entriesMax, bytesMax),
      encodeEntries: (entries) => this.encodeEntries(entries),
      onFrame: (session, frame) => this.onFrame(session, frame),
      onClosed: (session, code, reason) => this.onClosed(session, code, reason),
    };
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    options.listener.onConnection((connection) => {
      if (this.stopped) connection.close(1001, 'SHUTTING_DOWN');
      else this.sessions.add(new ReplicaSession(connection, this.host, handshakeTimeoutMs));
    });
    this.scheduleHeartbeat();
  }

  /** Replicas whose log diverged from ours at their resume point (each got a full resync). */
  divergedCount = 0;

  get replicationId(): string {
    return this.options.replicationId;
  }

  /** Whether our entry at `offset` has checksum `crc` (-1, offset 0 or an entry only a snapshot covers: unknowable, so yes). */
  private sameEntryAt(offset: number, crc: number): boolean {
    if (crc < 0 || offset === 0) return true;
    const read = this.options.log.read(offset, { entriesMax: 1, bytesMax: Number.MAX_SAFE_INTEGER });
    const entry = read.kind === 'entries' ? read.entries[0] : undefined;
    if (entry === undefined || entry.offset !== offset) return true;
    return entryChecksum(entry) === crc;
  }

  /** Tells the primary the log grew; live replicas get the new entries in the next batch. */
  onAppend(): void {
    if (this.pumpTimer !== undefined || this.stopped) return;
    this.pumpTimer = this.options.clock.setTimer(0, () => {
      this.pumpTimer = undefined;
      this.sharing = true;
      try {
        for (const session of this.sessions) if (session.state === 'live') session.pump();
      } finally {
        this.sharing = false;
        this.shared.clear();
        this.sharedRead = undefined;
      }
    });
  }

  status(): ReplicaStatus[] {
    const last = this.options.log.lastOffset();
    return [...this.sessions]
      .filter((session) => session.state !== 'handshake')
      .map((session) => ({
        replicaId: session.replicaId,
        region: session.region,
        state: session.state,
        sentOffset: session.nextOffset - 1,
        ackedOffset: session.ackedOffset,
        lagEntries: Math.max(0, last - session.ackedOffset),
        lastAckAtMs: session.ackedAtMs,
        backlogBytes: session.connection.bytesBuffered(),
      }));
  }

  /** Number of connected replicas that acknowledged `offset` or later. */
  ackedReplicas(offset: number): number {
    let count = 0;
    for (const session of this.sessions) if (session.state !== 'handshake' && session.ackedOffset >= offset) count++;
    return count;
  }

  /**
   * WAIT: resolves with the number of replicas that acknowledged `offset`, as soon as at least
   * `replicas` did or after `timeoutMs` (0 waits without limit, as Redis's WAIT does).
   */
  waitForReplicas(replicas: number, offset: number, timeoutMs: number): Promise<number> {
    const acked = this.ackedReplicas(offset);
    if (acked >= replicas || this.stopped) return Promise.resolve(acked);
    return new Promise((resolve) => {
      const waiter: Waiter = { replicas, offset, resolve, timer: undefined };
      if (timeoutMs > 0) {
        waiter.timer = this.options.clock.setTimer(timeoutMs, () => {
          this.waiters.delete(waiter);
          resolve(this.ackedReplicas(offset));
        });
      }
      this.waiters.add(waiter);
    });
  }

  /** Disconnects every replica (SHUTTING_DOWN) and stops listening. */
  async close(): Promise<void> {
    this.stopped = true;
    this.heartbeatTimer?.cancel();
    this.pumpTimer?.cancel();
    for (const session of [...this.sessions]) session.fail('SHUTTING_DOWN', 'primary is stopping');
    for (const waiter of this.waiters) this.settle(waiter);
    await this.options.listener.close();
  }

  private readLog(from: number, entriesMax: number, bytesMax: number): ReadResult {
    const last = this.sharedRead;
    if (last !== undefined && last.from === from && last.entriesMax === entriesMax && last.bytesMax === bytesMax) {
      return last.read;
    }
    const read = this.options.log.read(from, { entriesMax, bytesMax });
    if (this.sharing) this.sharedRead = { from, entriesMax, bytesMax, read };
    return read;
  }

  private encodeEntries(entries: readonly LogEntry[]): Uint8Array {
    const from = entries[0]?.offset ?? 0;
    const to = entries[entries.length - 1]?.offset ?? 0;
    const shared = this.sharing ? this.shared.get(from) : undefined;
    if (shared !== undefined && shared.to === to) return shared.frame;
    const frame = encodeFrame({ t: 'entries', entries: entries as LogEntry[] });
    if (this.sharing) this.shared.set(from, { to, frame });
    return frame;
  }

  private onFrame(session: ReplicaSession, frame: Frame): void {
    if (frame.t === 'hello' && session.state === 'handshake') this.handshake(session, frame);
    else if (frame.t === 'ack' && session.state !== 'handshake') this.onAck(session, frame.appliedOffset);
    else if (frame.t === 'error') session.connection.close(1000, frame.code);
    else session.fail('PROTOCOL_VIOLATION', `unexpected ${frame.t} frame in state ${session.state}`);
  }

  private handshake(session: ReplicaSession, hello: HelloFrame): void {
    if (hello.version !== PROTOCOL_VERSION) {
      session.fail('VERSION_MISMATCH', `primary speaks protocol ${PROTOCOL_VERSION}, replica ${hello.version}`);
      return;
    }
    if (!secretsEqual(hello.secret, this.options.secret)) {
      session.fail('BAD_SECRET', 'replication secret does not match');
      return;
    }
    for (const other of this.sessions) {
      if (other !== session && other.replicaId === hello.replicaId) other.fail('REPLACED', 'the replica reconnected');
    }
    session.replicaId = hello.replicaId;
    session.region = hello.region;
    const link = this.options.linkFor?.({ replicaId: hello.replicaId, region: hello.region });
    if (link !== undefined) session.useConnection(new DelayedConnection(session.connection, this.options.clock, link));
    if (session.state === 'closed') return;
    const log = this.options.log;
    const last = hello.lastAppliedOffset;
    const previous = this.options.previousHistory;
    const knownHistory =
      hello.replicationId === this.replicationId ||
      (previous !== undefined && hello.replicationId === previous.replicationId && last <= previous.offset);
    const inLog = last >= log.firstOffset() - 1 && last <= log.lastOffset();
    // An old primary back after a failover: entries past the take-over offset never reached us.
    const pastTakeOver =
      previous !== undefined && hello.replicationId === previous.replicationId && last > previous.offset;
    const diverged = (knownHistory && inLog && !this.sameEntryAt(last, hello.lastEntryCrc)) || pastTakeOver;
    if (diverged) {
      this.divergedCount++;
      this.options.onEvent?.({
        kind: 'diverged',
        replicaId: hello.replicaId,
        region: hello.region,
        offset: last,
        discarded: pastTakeOver ? last - previous.offset : 0,
      });
    }
    const partial = knownHistory && inLog && !diverged;
    if (partial) {
      session.ackedOffset = last;
      session.send(this.welcome('partial', last));
      session.startCatchUp(last + 1);
    } else {
      const snapshot = this.options.snapshots.take();
      session.send(this.welcome('full', snapshot.offset));
      session.startSnapshot(this.snapshotFrames(snapshot), snapshot.offset);
    }
    const mode = partial ? 'partial' : 'full';
    this.options.onEvent?.({
      kind: 'synced',
      replicaId: session.replicaId,
      region: session.region,
      mode,
      offset: last,
    });
  }

  private welcome(mode: 'partial' | 'full', offset: number): Frame {
    return {
      t: 'welcome',
      mode,
      replicationId: this.replicationId,
      offset,
      primaryOffset: this.options.log.lastOffset(),
      primaryTimeMs: this.options.clock.nowMs(),
      heartbeatMs: this.heartbeatMs,
    };
  }

  /** Encodes the snapshot at once: later writes cannot change what is sent, and the primary's keyspace is not held. */
  private snapshotFrames(snapshot: Snapshot): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let chunk: SnapshotEntry[] = [];
    let chunkBytes = 0;
    let keyCount = 0;
    const flush = (): void => {
      // A chunk holding one key larger than a message goes as parts.
      if (chunk.length > 0) {
        frames.push(
          ...splitFrame(encodeFrame({ t: 'snapshot-chunk', entries: chunk }), this.host.limits.frameBytesMax),
        );
      }
      chunk = [];
      chunkBytes = 0;
    };
    for (const entry of snapshot.entries) {
      chunk.push(entry);
      keyCount++;
      chunkBytes += approximateBytes(entry);
      if (chunkBytes >= SNAPSHOT_CHUNK_BYTES) flush();
    }
    flush();
    const begin = encodeFrame({ t: 'snapshot-begin', offset: snapshot.offset, timeMs: snapshot.timeMs, keyCount });
    const end = encodeFrame({ t: 'snapshot-end', offset: snapshot.offset, keyCount });
    return [begin, ...frames, end];
  }

  private onAck(session: ReplicaSession, appliedOffset: number): void {
    if (appliedOffset < session.ackedOffset) return;
    session.ackedOffset = appliedOffset;
    session.ackedAtMs = this.options.clock.nowMs();
    for (const waiter of this.waiters) {
      if (this.ackedReplicas(waiter.offset) >= waiter.replicas) this.settle(waiter);
    }
  }

  private settle(waiter: Waiter): void {
    waiter.timer?.cancel();
    this.waiters.delete(waiter);
    waiter.resolve(this.ackedReplicas(waiter.offset));
  }

  private onClosed(session: ReplicaSession, code: number, reason: string): void {
    this.sessions.delete(session);
    if (session.replicaId !== '') {
      this.options.onEvent?.({
        kind: 'disconnected',
        replicaId: session.replicaId,
        region: session.region,
        code,
        reason,
      });
    }
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.options.clock.setTimer(this.heartbeatMs, () => {
      const frame = encodeFrame({
        t: 'heartbeat',
        primaryOffset: this.options.log.lastOffset(),
        primaryTimeMs: this.options.clock.nowMs(),
      });
      for (const session of this.sessions) if (session.state !== 'handshake') session.connection.send(frame);
      if (!this.stopped) this.scheduleHeartbeat();
    });
  }
}

function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + approximateBytes(item), 1);
  return 9;
}

export type { Connection };
