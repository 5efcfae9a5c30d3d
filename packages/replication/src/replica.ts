import type { SnapshotEntry } from '@meridian/engine';
import { Buffer } from 'node:buffer';
import type { Clock, LinkModel, TimerHandle } from '@meridian/lag';
import type { LogEntry } from '@meridian/store';
import { ENTRIES_FIRST_AT, EntriesReader, type EntrySlot, TAG_ENTRIES } from './binary-frames.js';
import { DelayedConnection } from './delayed-connection.js';
import {
  CLOSE_CODE_ERROR,
  FATAL_CODES,
  isReplicationErrorCode,
  ReplicationError,
  type ReplicationErrorCode,
} from './errors.js';
import { FrameAssembler, isPart } from './frame-parts.js';
import { type OffsetWaiter, OffsetWaiters } from './offset-waiters.js';
import {
  checkedBodyLength,
  decodeFrame,
  encodeFrame,
  type Frame,
  PROTOCOL_VERSION,
  type WelcomeFrame,
} from './protocol.js';
import type { Connection, Connector } from './transport.js';

/** Where a replica's data lives. Calls are in log order; each is atomic for readers. */
export interface ReplicaApplier {
  appliedOffset(): number;
  /** The history the data belongs to ('' when none). */
  replicationId(): string;
  apply(entry: LogEntry): void;
  /**
   * Applies an entry read in place from its frame: `entry` and its arrays are reused for the
   * next entry, so they are valid only during the call (copy what must be kept). Without it the
   * replica builds each entry for `apply`. An applier that keeps the effects (a log) leaves it out.
   */
  applyInPlace?(entry: Readonly<LogEntry>): void;
  /** Replaces all data with the snapshot, at once. */
  loadSnapshot(entries: readonly SnapshotEntry[], offset: number, replicationId: string): void;
  /**
   * The newest offset durably committed (≤ appliedOffset). Acks carry it, so the primary's WAIT
   * counts only what a replica would still have after a crash. Absent: applied is durable.
   */
  durableOffset?(): number;
  /** Tells the replica when `durableOffset` advanced (to ack it). */
  onDurable?(listener: () => void): void;
  /** `entryChecksum` of the entry held at `offset`; undefined when not held (the hello then says -1). */
  entryChecksumAt?(offset: number): number | undefined;
  /**
   * The primary resumed this replica in a newer history that continues its own (after a
   * failover): record it. Without it such a welcome is refused and the replica full-resyncs.
   */
  adoptHistory?(replicationId: string): void;
}

/** Connections lost in a row without progress after which a replica reports itself unhealthy. */
export const CUT_OFFS_UNHEALTHY = 3;

/**
 * Reconnect backoff defaults: the k-th reconnect in a row waits U[cap/2, cap) with
 * cap = min(max, min · 2^k), and k starts over once the replica makes progress.
 */
export const RECONNECT_DELAY_MS_MIN_DEFAULT = 50;
export const RECONNECT_DELAY_MS_MAX_DEFAULT = 2000;

export type ReplicaState = 'idle' | 'connecting' | 'handshake' | 'syncing' | 'streaming' | 'stopped' | 'failed';

export type ReplicaEvent =
  | { kind: 'applied'; offset: number; commitTimeMs: number; receivedAtMs: number; appliedAtMs: number }
  | { kind: 'snapshot-loaded'; offset: number; keyCount: number; appliedAtMs: number }
  | { kind: 'connected'; mode: 'partial' | 'full'; offset: number }
  | { kind: 'disconnected'; code: number; reason: string }
  | { kind: 'error'; code: ReplicationErrorCode | 'CONNECT_FAILED'; message: string };

export interface ReplicaOptions {
  connector: Connector;
  applier: ReplicaApplier;
  clock: Clock;
  replicaId: string;
  region: string;
  secret: string;
  /** Uniform in [0, 1), for backoff jitter. */
  random: () => number;
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  receiveQueueEntriesMax?: number;
  applyEntriesPerTurnMax?: number;
  /** Lag injection on the replica→primary direction (hello, acks). */
  link?: LinkModel;
  /** Largest frame joined from parts (default 1 GiB; the primary's `assembledBytesMax` must not exceed it). */
  assembledBytesMax?: number;
  /**
   * Decodes and validates a frame (default `decodeFrame`). The simulator's replicas share one that
   * decodes a frame the primary sent to several of them once; it must throw what decodeFrame throws.
   */
  decodeFrame?: (bytes: Uint8Array) => Frame;
  /**
   * Called for each applied entry with the time it was applied and the time its frame was received
   * (latency measurements). Unlike an 'applied' event it builds no object per entry; `entry` is
   * valid only during the call.
   */
  onEntryApplied?: (entry: LogEntry, appliedAtMs: number, receivedAtMs: number) => void;
}

type QueueItem =
  | { kind: 'entries'; entries: readonly LogEntry[]; receivedAtMs: number }
  /** A scanned entries frame (the default decoder), read entry by entry as it is applied. */
  | { kind: 'frame'; bytes: Buffer; count: number; receivedAtMs: number }
  | { kind: 'snapshot'; entries: SnapshotEntry[]; offset: number; timeMs: number; replicationId: string };

interface PendingSnapshot {
  offset: number;
  timeMs: number;
  keyCount: number;
  entries: SnapshotEntry[];
}

const MARKS_MAX = 4096;

/**
 * The replica side: connects with its applied offset, applies the primary's entries in order
 * (asynchronously from receipt), acks after apply, reconnects with jittered bounded backoff, and
 * knows how stale it is.
 */
export class ReplicationReplica {
  private stateValue: ReplicaState = 'idle';
  private connection: Connection | undefined;
  private generation = 0;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  /** True while an apply turn is scheduled. */
  private applyArmed = false;
  /**
   * Items at [queueHead, queueTail); applied ones are cleared (undefined). Emptied, the array is
   * kept and filled from 0 again: a new array (or a shrunk one) would be garbage per received frame.
   */
  private queue: (QueueItem | undefined)[] = [];
  private queueHead = 0;
  private queueTail = 0;
  /** The next entry to apply within queue[queueHead] (an entries batch or frame). */
  private batchIndex = 0;
  /** Where that entry starts in queue[queueHead]'s bytes (a frame). */
  private batchAt = ENTRIES_FIRST_AT;
  private readonly entriesReader = new EntriesReader();
  /** The entry an applier with `applyInPlace` is given, read into again for each entry. */
  private readonly slot: EntrySlot = { offset: 0, timeMs: 0, effects: [] };
  private queuedCount = 0;
  private pendingSnapshot: PendingSnapshot | undefined;
  private streamReplicationId = '';
  private expectedOffset = 0;
  private forceFullResync = false;
  private marks: { offset: number; timeMs: number }[] = [];
  private provenTimeMs = -Infinity;
  private primaryOffsetValue = 0;
  private readonly waiters = new OffsetWaiters();
  private readonly listeners = new Set<(event: ReplicaEvent) => void>();
  /** Listeners that take 'applied' events: without any, none is built (one per entry). */
  private appliedListeners = 0;
  private lastAppliedAtMsValue: number | undefined;
  /** The code of the last error the primary reported or the replica raised. */
  lastError: ReplicationErrorCode | undefined;
  /** Connections lost since the replica last made progress (applied past the loss, or caught up). */
  private cutOffs = 0;
  private cutOffAtOffset = 0;

  private readonly assembler: FrameAssembler;

  constructor(private readonly options: ReplicaOptions) {
    this.assembler = new FrameAssembler(options.assembledBytesMax);
    options.applier.onDurable?.(() => this.sendAck());
  }

  get state(): ReplicaState {
    return this.stateValue;
  }

  /** Connections lost in a row without progress in between. */
  get cutOffsInARow(): number {
    return this.cutOffs;
  }

  /**
   * False once the replica was cut off `CUT_OFFS_UNHEALTHY` times in a row without progress (it
   * cannot keep a connection: an entry it cannot take, a primary that keeps refusing it) or has
   * stopped for good. Status endpoints and the router read it: such a replica serves no reads.
   */
  get healthy(): boolean {
    return this.cutOffs < CUT_OFFS_UNHEALTHY && this.stateValue !== 'failed';
  }

  get appliedOffset(): number {
    return this.options.applier.appliedOffset();
  }

  /** The newest primary offset the replica has heard of. */
  get primaryOffset(): number {
    return Math.max(this.primaryOffsetValue, this.appliedOffset);
  }

  /** Entries received but not applied yet. */
  get queuedEntries(): number {
    return this.queuedCount;
  }

  /** now − the latest primary time up to which this replica provably holds every write. */
  stalenessMs(nowMs: number): number {
    return Math.max(0, nowMs - this.provenTimeMs);
  }

  /** When the replica last applied entries (to the apply turn); undefined before the first. */
  get lastAppliedAtMs(): number | undefined {
    return this.lastAppliedAtMsValue;
  }

  /**
   * Listens to the replica's events. `applied: false` leaves out the 'applied' events (one per
   * entry): a replica none of whose listeners takes them builds none.
   */
  on(listener: (event: ReplicaEvent) => void, options: { applied?: boolean } = {}): () => void {
    const takesApplied = options.applied !== false;
    const wrapped = takesApplied
      ? listener
      : (event: ReplicaEvent): void => {
          if (event.kind !== 'applied') listener(event);
        };
    if (!this.listeners.has(wrapped)) {
      this.listeners.add(wrapped);
      if (takesApplied) this.appliedListeners++;
    }
    return () => {
      if (this.listeners.delete(wrapped) && takesApplied) this.appliedListeners--;
    };
  }

  start(): void {
    if (this.stateValue === 'idle') this.connect();
  }

  /** Resolves true once `offset` is applied, false after `timeoutMs` (for sync-token reads). */
  waitForOffset(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.appliedOffset >= offset) return Promise.resolve(true);
    if (this.stateValue === 'stopped' || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = this.waiters.add(offset, resolve);
      waiter.timer = this.options.clock.setTimer(timeoutMs, () => {
        this.waiters.remove(waiter);
        resolve(this.appliedOffset >= offset);
      });
    });
  }

  /** Applies what was already received, disconnects and stops reconnecting. */
  stop(): void {
    this.stateValue = 'stopped';
    this.generation++;
    this.reconnectTimer?.cancel();
    this.connection?.close(1000, 'SHUTTING_DOWN');
    this.connection = undefined;
    this.applyQueued(Infinity);
    for (const waiter of this.waiters.takeAll()) this.settleWaiter(waiter, false);
  }

  private emit(event: ReplicaEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private connect(): void {
    this.stateValue = 'connecting';
    const generation = ++this.generation;
    this.options.connector.connect().then(
      (connection) => this.opened(connection, generation),
      (error: unknown) => {
        if (generation !== this.generation) return;
        const cause = (error as { code?: unknown }).code;
        if (cause === 'MERIDIAN_TLS_CERT_INVALID' || cause === 'MERIDIAN_TLS_CLIENT_CERT_REQUIRED') {
          const code = cause === 'MERIDIAN_TLS_CERT_INVALID' ? 'TLS_CERT_INVALID' : 'TLS_CLIENT_CERT_REQUIRED';
          this.lastError = code;
          this.emit({ kind: 'error', code, message: (error as Error).message });
        } else {
          this.emit({ kind: 'error', code: 'CONNECT_FAILED', message: String(error) });
        }
        this.scheduleReconnect();
      },
    );
  }

  private opened(raw: Connection, generation: number): void {
    if (generation !== this.generation || this.stateValue === 'stopped') {
      raw.close(1000, 'SHUTTING_DOWN');
      return;
    }
    // Everything received on the previous connection is applied first, so the hello's offset is exact.
    this.applyQueued(Infinity);
    this.assembler.reset();
    const { link, clock } = this.options;
    const connection = link === undefined ? raw : new DelayedConnection(raw, clock, link);
    this.connection = connection;
    this.stateValue = 'handshake';
    connection.setHandlers({
      message: (bytes) => this.receive(connection, bytes),
      close: (code, reason) => this.closed(connection, code, reason),
      drain: () => undefined,
    });
    this.send({
      t: 'hello',
      version: PROTOCOL_VERSION,
      replicaId: this.options.replicaId,
      region: this.options.region,
      lastAppliedOffset: this.appliedOffset,
      lastEntryCrc: this.appliedOffset === 0 ? -1 : (this.options.applier.entryChecksumAt?.(this.appliedOffset) ?? -1),
      replicationId: this.forceFullResync ? '' : this.options.applier.replicationId(),
      secret: this.options.secret,
    });
  }

  private send(frame: Frame): void {
    this.connection?.send(encodeFrame(frame));
  }

  /** Reports `code` to the primary and drops the connection; the replica reconnects and resyncs. */
  private abandon(code: ReplicationErrorCode, message: string): void {
    this.lastError = code;
    this.emit({ kind: 'error', code, message });
    this.send({ t: 'error', code, message });
    this.connection?.close(CLOSE_CODE_ERROR, code);
  }

  private receive(connection: Connection, bytes: Uint8Array): void {
    if (connection !== this.connection) return;
    let frame: Frame;
    try {
      if (isPart(bytes)) {
        const whole = this.assembler.accept(bytes);
        if (whole === undefined) return;
        bytes = whole;
      }
      if (bytes[0] === TAG_ENTRIES && this.options.decodeFrame === undefined) {
        this.receiveEntries(bytes);
        return;
      }
      frame = (this.options.decodeFrame ?? decodeFrame)(bytes);
      // Heartbeats and errors are sent out of band and may come between the parts of a frame.
      if (this.assembler.assembling && frame.t !== 'heartbeat' && frame.t !== 'error') {
        throw new ReplicationError('PROTOCOL_VIOLATION', `a ${frame.t} frame arrived between the parts of another`);
      }
    } catch (error) {
      if (!(error instanceof ReplicationError)) throw error;
      this.abandon(error.code, error.message);
      return;
    }
    const violation = this.handleFrame(frame);
    if (violation !== undefined) this.abandon('PROTOCOL_VIOLATION', violation);
  }

  /**
   * An entries frame with the default decoder: checked whole on receipt (a corrupt frame is
   * refused before any of its entries is queued), then queued as its bytes and read entry by
   * entry as it is applied. Throws ReplicationError as decodeFrame does.
   */
  private receiveEntries(bytes: Uint8Array): void {
    const length = checkedBodyLength(bytes);
    const text = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = this.entriesReader.scan(text, length);
    if (this.assembler.assembling) {
      throw new ReplicationError('PROTOCOL_VIOLATION', 'a entries frame arrived between the parts of another');
    }
    const violation = this.receivedFrame(text, count);
    if (violation !== undefined) this.abandon('PROTOCOL_VIOLATION', violation);
  }

  /** Returns a description of the protocol violation, if the frame is one. */
  private handleFrame(frame: Frame): string | undefined {
    switch (frame.t) {
      case 'welcome':
        return this.stateValue === 'handshake' ? this.welcomed(frame) : 'welcome after handshake';
      case 'snapshot-begin':
        if (this.stateValue !== 'syncing' || this.pendingSnapshot !== undefined) return 'unexpected snapshot-begin';
        this.pendingSnapshot = { offset: frame.offset, timeMs: frame.timeMs, keyCount: frame.keyCount, entries: [] };
        return undefined;
      case 'snapshot-chunk':
        if (this.pendingSnapshot === undefined) return 'snapshot-chunk outside a snapshot';
        for (const entry of frame.entries) this.pendingSnapshot.entries.push(entry);
        return this.pendingSnapshot.entries.length > this.pendingSnapshot.keyCount
          ? 'snapshot has too many keys'
          : undefined;
      case 'snapshot-end':
        return this.snapshotEnded(frame.offset, frame.keyCount);
      case 'entries':
        return this.received(frame.entries);
      case 'heartbeat':
        if (this.stateValue === 'streaming' && this.appliedOffset >= frame.primaryOffset) this.progressed();
        this.addMark(frame.primaryOffset, frame.primaryTimeMs);
        this.sendAck();
        return undefined;
      case 'error':
        this.lastError = frame.code;
        this.emit({ kind: 'error', code: frame.code, message: frame.message });
        return undefined;
      default:
        return `unexpected ${frame.t} frame`;
    }
  }

  private welcomed(frame: WelcomeFrame): string | undefined {
    if (frame.mode === 'partial') {
      if (frame.offset !== this.appliedOffset)
        return `partial resync from ${frame.offset}, applied ${this.appliedOffset}`;
      const applier = this.options.applier;
      if (frame.replicationId !== applier.replicationId()) {
        if (applier.adoptHistory === undefined) return 'partial resync of another history';
        applier.adoptHistory(frame.replicationId);
      }
      this.expectedOffset = frame.offset + 1;
      this.stateValue = 'streaming';
    } else {
      this.stateValue = 'syncing';
    }
    this.streamReplicationId = frame.replicationId;
    // Backoff starts over only once the replica makes progress: a loop of cut-offs slows down.
    if (this.cutOffs === 0) this.attempt = 0;
    this.addMark(frame.primaryOffset, frame.primaryTimeMs);
    this.emit({ kind: 'connected', mode: frame.mode, offset: frame.offset });
    return undefined;
  }

  private snapshotEnded(offset: number, keyCount: number): string | undefined {
    const pending = this.pendingSnapshot;
    if (pending === undefined) return 'snapshot-end outside a snapshot';
    if (pending.offset !== offset || pending.entries.length !== keyCount || keyCount !== pending.keyCount) {
      return `incomplete snapshot: ${pending.entries.length} of ${pending.keyCount} keys`;
    }
    this.pendingSnapshot = undefined;
    const { entries, timeMs } = pending;
    this.enqueue({ kind: 'snapshot', entries, offset, timeMs, replicationId: this.streamReplicationId });
    this.forceFullResync = false;
    this.expectedOffset = offset + 1;
    this.stateValue = 'streaming';
    return undefined;
  }

  private received(entries: readonly LogEntry[]): string | undefined {
    if (this.stateValue !== 'streaming') return `entries while ${this.stateValue}`;
    let expected = this.expectedOffset;
    for (const entry of entries) {
      if (entry.offset !== expected) return `entry ${entry.offset} where ${expected} was due`;
      expected++;
    }
    if (!this.admits(entries.length)) return undefined;
    if (entries.length > 0) this.enqueue({ kind: 'entries', entries, receivedAtMs: this.options.clock.nowMs() });
    this.advanceExpected(entries.length);
    return undefined;
  }

  /** `received` for a frame `entriesReader` has just scanned (its offsets are in the reader). */
  private receivedFrame(bytes: Buffer, count: number): string | undefined {
    if (this.stateValue !== 'streaming') return `entries while ${this.stateValue}`;
    const reader = this.entriesReader;
    const due = this.expectedOffset;
    if (count > 0 && reader.firstOffset !== due) return `entry ${reader.firstOffset} where ${due} was due`;
    if (reader.sequenceBreak >= 0) {
      return `entry ${reader.sequenceBreakOffset} where ${due + reader.sequenceBreak} was due`;
    }
    if (!this.admits(count)) return undefined;
    if (count > 0) this.enqueue({ kind: 'frame', bytes, count, receivedAtMs: this.options.clock.nowMs() });
    this.advanceExpected(count);
    return undefined;
  }

  /** False (and the connection abandoned) when `count` more entries would overfill the queue. */
  private admits(count: number): boolean {
    const queueMax = this.options.receiveQueueEntriesMax ?? 100_000;
    if (this.queuedEntries + count <= queueMax) return true;
    this.abandon('RECEIVE_QUEUE_FULL', `more than ${queueMax} entries waiting to be applied`);
    return false;
  }

  private advanceExpected(count: number): void {
    this.expectedOffset += count;
    this.primaryOffsetValue = Math.max(this.primaryOffsetValue, this.expectedOffset - 1);
  }

  private enqueue(item: QueueItem): void {
    this.queue[this.queueTail++] = item;
    this.queuedCount += item.kind === 'entries' ? item.entries.length : item.kind === 'frame' ? item.count : 1;
    this.scheduleApply();
  }

  /**
   * Arms the apply loop. What arrives while it is idle is applied as soon as the event that brought
   * it has finished (every frame of one socket read, then one ack), not a trip through the event
   * loop later: on a loaded machine that trip took about half a millisecond. A loop that stopped
   * with work left (`entriesMax`) waits its turn behind other I/O.
   */
  private scheduleApply(continuing = false): void {
    if (this.applyArmed) return;
    this.applyArmed = true;
    const clock = this.options.clock;
    if (!continuing && clock.afterEvent !== undefined) clock.afterEvent(this.applyTurn);
    else clock.setTimer(0, this.applyTurn);
  }

  /** The apply loop's callback, made once (it is armed once per received frame). */
  private readonly applyTurn = (): void => {
    this.applyArmed = false;
    this.applyQueued(this.options.applyEntriesPerTurnMax ?? 1000);
  };

  /** The apply loop: up to `entriesMax` queued entries, then acks; reschedules itself while work remains. */
  private applyQueued(entriesMax: number): void {
    let applied = 0;
    try {
      while (applied < entriesMax) {
        const item = this.queue[this.queueHead];
        if (item === undefined) break;
        if (item.kind === 'snapshot') {
          this.queue[this.queueHead++] = undefined;
          this.queuedCount--;
          applied++;
          this.applySnapshot(item);
          continue;
        }
        const count = item.kind === 'entries' ? item.entries.length : item.count;
        while (this.batchIndex < count && applied < entriesMax) {
          this.queuedCount--;
          applied++;
          if (item.kind === 'entries') this.applyEntry(item.entries[this.batchIndex++] as LogEntry, item.receivedAtMs);
          else this.applyFromFrame(item.bytes, item.receivedAtMs);
        }
        if (this.batchIndex >= count) {
          this.queue[this.queueHead++] = undefined;
          this.batchIndex = 0;
          this.batchAt = ENTRIES_FIRST_AT;
        }
      }
    } catch (error) {
      this.applyFailed(error);
      return;
    }
    if (this.queueHead === this.queueTail) {
      this.queueHead = 0;
      this.queueTail = 0;
    } else {
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queueTail) {
        this.queue = this.queue.slice(this.queueHead, this.queueTail);
        this.queueTail -= this.queueHead;
        this.queueHead = 0;
      }
      this.scheduleApply(true);
    }
    if (applied > 0) this.afterApply();
  }

  private applySnapshot(item: Extract<QueueItem, { kind: 'snapshot' }>): void {
    this.options.applier.loadSnapshot(item.entries, item.offset, item.replicationId);
    this.provenTimeMs = Math.max(this.provenTimeMs, item.timeMs);
    this.emit({
      kind: 'snapshot-loaded',
      offset: item.offset,
      keyCount: item.entries.length,
      appliedAtMs: this.options.clock.nowMs(),
    });
  }

  /** Reads the next entry of the frame at the queue's head (into the reused slot if the applier takes it in place) and applies it. */
  private applyFromFrame(bytes: Buffer, receivedAtMs: number): void {
    const inPlace = this.options.applier.applyInPlace !== undefined;
    const entry = inPlace ? this.slot : { offset: 0, timeMs: 0, effects: [] };
    this.batchAt = this.entriesReader.read(bytes, this.batchAt, entry);
    this.batchIndex++;
    this.applyEntry(entry, receivedAtMs, inPlace);
  }

  private applyEntry(entry: LogEntry, receivedAtMs: number, inPlace = false): void {
    const { applier, clock } = this.options;
    if (inPlace && applier.applyInPlace !== undefined) applier.applyInPlace(entry);
    else applier.apply(entry);
    if (this.cutOffs > 0 && entry.offset > this.cutOffAtOffset) this.progressed();
    this.provenTimeMs = Math.max(this.provenTimeMs, entry.timeMs);
    const onEntryApplied = this.options.onEntryApplied;
    if (this.appliedListeners === 0 && onEntryApplied === undefined) return;
    const appliedAtMs = clock.nowMs();
    onEntryApplied?.(entry, appliedAtMs, receivedAtMs);
    if (this.appliedListeners > 0) {
      this.emit({ kind: 'applied', offset: entry.offset, commitTimeMs: entry.timeMs, receivedAtMs, appliedAtMs });
    }
  }

  private applyFailed(error: unknown): void {
    this.queue = [];
    this.queueHead = 0;
    this.queueTail = 0;
    this.batchIndex = 0;
    this.batchAt = ENTRIES_FIRST_AT;
    this.queuedCount = 0;
    this.forceFullResync = true;
    const message = error instanceof Error ? error.message : String(error);
    this.abandon('APPLY_FAILED', message);
  }

  private afterApply(): void {
    this.lastAppliedAtMsValue = this.options.clock.nowMs();
    this.settleMarks();
    const applied = this.appliedOffset;
    const reached = this.waiters.reached(applied);
    if (reached !== undefined) for (const waiter of reached) this.settleWaiter(waiter, true);
    this.sendAck();
  }

  /** Acks what is durably committed (the frame's field keeps its protocol name, `appliedOffset`). */
  private sendAck(): void {
    if (this.stateValue !== 'streaming') return;
    const durable = this.options.applier.durableOffset?.() ?? this.appliedOffset;
    this.send({ t: 'ack', appliedOffset: Math.min(durable, this.appliedOffset) });
  }

  /** `waiter`, already taken out of the waiters, is answered. */
  private settleWaiter(waiter: OffsetWaiter, reached: boolean): void {
    waiter.timer?.cancel();
    waiter.resolve(reached);
  }

  private addMark(offset: number, timeMs: number): void {
    this.primaryOffsetValue = Math.max(this.primaryOffsetValue, offset);
    const last = this.marks[this.marks.length - 1];
    if (last !== undefined && last.offset === offset) last.timeMs = Math.max(last.timeMs, timeMs);
    else this.marks.push({ offset, timeMs });
    if (this.marks.length > MARKS_MAX) this.marks.splice(0, this.marks.length - MARKS_MAX);
    this.settleMarks();
  }

  /** A heartbeat (offset, time) proves freshness up to `time` once `offset` is applied. */
  private settleMarks(): void {
    const applied = this.appliedOffset;
    let satisfied = 0;
    for (const mark of this.marks) {
      if (mark.offset > applied) break;
      this.provenTimeMs = Math.max(this.provenTimeMs, mark.timeMs);
      satisfied++;
    }
    if (satisfied > 0) this.marks.splice(0, satisfied);
  }

  private closed(connection: Connection, code: number, reason: string): void {
    if (connection !== this.connection) return;
    this.connection = undefined;
    this.pendingSnapshot = undefined;
    // Marks from this connection refer to the primary's history as it told us; keep only provable ones.
    this.marks = [];
    if (code === CLOSE_CODE_ERROR && isReplicationErrorCode(reason)) this.lastError = reason;
    this.emit({ kind: 'disconnected', code, reason });
    if (this.stateValue === 'stopped') return;
    this.cutOffs++;
    this.cutOffAtOffset = this.appliedOffset;
    if (this.lastError !== undefined && FATAL_CODES.has(this.lastError)) {
      this.stateValue = 'failed';
      return;
    }
    this.scheduleReconnect();
  }

  private progressed(): void {
    this.cutOffs = 0;
    this.attempt = 0;
  }

  private scheduleReconnect(): void {
    if (this.stateValue === 'stopped' || this.stateValue === 'failed') return;
    this.stateValue = 'connecting';
    const minMs = this.options.reconnectDelayMsMin ?? RECONNECT_DELAY_MS_MIN_DEFAULT;
    const maxMs = this.options.reconnectDelayMsMax ?? RECONNECT_DELAY_MS_MAX_DEFAULT;
    const capMs = Math.min(maxMs, minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const delayMs = capMs / 2 + (this.options.random() * capMs) / 2;
    this.reconnectTimer = this.options.clock.setTimer(delayMs, () => {
      this.reconnectTimer = undefined;
      if (this.stateValue === 'connecting') this.connect();
    });
  }
}
