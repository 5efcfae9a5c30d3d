import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { dumpKeyspace, type Keyspace, type SnapshotEntry, assert } from '@meridian/engine';
import type Database from 'better-sqlite3';
import { decodeEffects, encodeEffects, entryChecksum } from './codec.js';
import { StoreError } from './errors.js';
import { entryBytes } from './memory-log.js';
import { type RepairReport, repairLog } from './sqlite-repair.js';
import { openDatabase, readMetaNumber, SCHEMA_VERSION, writeMeta } from './sqlite-schema.js';
import { SnapshotTables, SnapshotTotals } from './sqlite-snapshots.js';
import type { SnapshotInfo, SnapshotStore } from './snapshot-store.js';
import type {
  CommitObserver,
  AppendResult,
  DurabilityPolicy,
  EffectCommand,
  LogEntry,
  ReadResult,
  ReplicaWriteLog,
} from './write-log.js';

/** How far back the log is kept; the log is never cut past the oldest kept snapshot. */
export interface RetentionLimits {
  entriesMax?: number;
  bytesMax?: number;
  ageMsMax?: number;
}

export interface SqliteWriteLogOptions {
  policy: DurabilityPolicy;
  /** Folder of the database file; not used (and not needed) for policy `none`. */
  dataDir?: string;
  fileName?: string;
  busyTimeoutMs?: number;
  walAutocheckpointPages?: number;
  /** `everysec`: how often the WAL is fsynced (by a passive checkpoint). */
  everysecSyncMs?: number;
  /** Appends queued for the next group commit beyond which `append` commits at once. */
  pendingEntriesMax?: number;
  snapshotsKeep?: number;
  snapshotChunkEntriesMax?: number;
  /** Time a snapshot may hold the event loop per slice of chunks before yielding. */
  snapshotSliceMsMax?: number;
  retention?: RetentionLimits;
}

/** What opening found: where the file is, and what was repaired. */
export interface OpenReport extends RepairReport {
  path: string | undefined;
  created: boolean;
  schemaVersion: number;
  replicationId: string;
  /** journal_mode, synchronous (0 OFF, 1 NORMAL, 2 FULL), busy_timeout, wal_autocheckpoint, locking_mode. */
  pragmas: Record<string, string | number>;
}

/** Figures for INFO (persistence section) and /_meridian/status. */
export interface StoreStats {
  policy: DurabilityPolicy;
  firstOffset: number;
  lastOffset: number;
  durableOffset: number;
  pendingEntries: number;
  logEntries: number;
  logBytes: number;
  snapshotOffset: number;
  snapshotCount: number;
  snapshotBytes: number;
  fileBytes: number;
  commits: number;
  committedEntries: number;
}

interface PendingEntry {
  entry: LogEntry;
  payload: Buffer;
  crc: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed commit is also reported by the next append; do not crash callers that never await.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const resolved = Promise.resolve();

const defaults = {
  fileName: 'meridian.db',
  busyTimeoutMs: 5000,
  walAutocheckpointPages: 1000,
  everysecSyncMs: 1000,
  pendingEntriesMax: 65_536,
  snapshotsKeep: 2,
  snapshotChunkEntriesMax: 512,
  snapshotSliceMsMax: 10,
};

interface EntryRow {
  offset: number;
  time_ms: number;
  payload: Buffer;
  crc32: number;
}

/**
 * The durable write log on SQLite (better-sqlite3, WAL), with snapshots in the same database.
 *
 * Group commit: `append` assigns the offset at once and queues the entry; every entry queued in
 * the same turn of the event loop is committed in one transaction on the next `setImmediate`
 * (better-sqlite3 is synchronous, so nothing can be appended while a COMMIT runs). Policies:
 * `always` (synchronous=FULL) resolves `durable` after that COMMIT; `everysec`
 * (synchronous=NORMAL) resolves at once, commits on the next turn (a process crash loses nothing
 * committed) and fsyncs the WAL every `everysecSyncMs` by a passive checkpoint (an OS crash loses
 * at most that long); `none` keeps the database in memory, with no file at all.
 */
export class SqliteWriteLog implements ReplicaWriteLog, SnapshotStore {
  readonly policy: DurabilityPolicy;
  readonly openReport: OpenReport;

  snapshotStore(): SnapshotStore {
    return this;
  }

  get storedReplicationId(): string {
    return this.openReport.replicationId;
  }
  private readonly db: Database.Database;
  private readonly settings: typeof defaults & { retention: RetentionLimits };
  private readonly tables: SnapshotTables;
  private readonly insertEntry: Database.Statement;
  private readonly selectFrom: Database.Statement;
  private first: number;
  private last: number;
  private durableLast: number;
  private logEntries: number;
  private logBytes: number;
  private pending: PendingEntry[] = [];
  private batch: Deferred | undefined;
  private flushHandle: NodeJS.Immediate | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private snapshotList: SnapshotInfo[];
  private generation = 0;
  private failure: StoreError | undefined;
  private closed = false;
  private commits = 0;
  private commitObserver: CommitObserver | undefined;
  private committedEntries = 0;

  private constructor(db: Database.Database, options: SqliteWriteLogOptions, report: OpenReport) {
    this.db = db;
    this.policy = options.policy;
    this.openReport = report;
    this.settings = { ...defaults, ...withoutUndefined(options), retention: options.retention ?? {} };
    this.tables = new SnapshotTables(db);
    this.insertEntry = db.prepare('INSERT INTO entries (offset, time_ms, payload, crc32) VALUES (?, ?, ?, ?)');
    this.selectFrom = db.prepare(
      'SELECT offset, time_ms, payload, crc32 FROM entries WHERE offset >= ? ORDER BY offset LIMIT ?',
    );
    this.snapshotList = this.tables.list();
    this.first = readMetaNumber(db, 'first_offset');
    const counts = db
      .prepare('SELECT count(*) AS n, coalesce(sum(length(payload)), 0) AS bytes, max(offset) AS last FROM entries')
      .get() as {
      n: number;
      bytes: number;
      last: number | null;
    };
    this.last = counts.last ?? this.first - 1;
    this.durableLast = this.last;
    this.logEntries = counts.n;
    this.logBytes = counts.bytes;
    if (this.policy === 'everysec') {
      this.syncTimer = setInterval(() => this.syncWal(), this.settings.everysecSyncMs);
      this.syncTimer.unref();
    }
  }

  /**
   * Opens or creates the log. Checks the data directory, refuses a newer schema, deletes
   * half-written snapshots and cuts a corrupt tail; what was found is in `openReport`.
   */
  static open(options: SqliteWriteLogOptions): SqliteWriteLog {
    const fileName = options.fileName ?? defaults.fileName;
    const opened = openDatabase(
      { dataDir: options.dataDir, fileName, policy: options.policy },
      {
        busyTimeoutMs: options.busyTimeoutMs ?? defaults.busyTimeoutMs,
        walAutocheckpointPages: options.walAutocheckpointPages ?? defaults.walAutocheckpointPages,
      },
    );
    try {
      const tables = new SnapshotTables(opened.db);
      const droppedIncompleteSnapshots = tables.removeIncomplete();
      const repair = repairLog(opened.db, tables.list()[0]?.offset ?? 0);
      const messages = [...repair.messages];
      if (droppedIncompleteSnapshots > 0)
        messages.push(`deleted ${droppedIncompleteSnapshots} half-written snapshot(s)`);
      const report: OpenReport = {
        ...repair,
        messages,
        droppedIncompleteSnapshots,
        path: opened.path,
        created: opened.created,
        schemaVersion: SCHEMA_VERSION,
        replicationId: opened.replicationId,
        pragmas: opened.pragmas,
      };
      return new SqliteWriteLog(opened.db, options, report);
    } catch (error) {
      opened.db.close();
      throw error;
    }
  }

  lastOffset(): number {
    return this.last;
  }

  firstOffset(): number {
    return this.first;
  }

  /** The newest offset committed to the database (≤ lastOffset()); what a replica should ack. */
  durableOffset(): number {
    return this.durableLast;
  }

  append(timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    this.assertWritable();
    return this.enqueue(this.last + 1, timeMs, effects);
  }

  appendAt(offset: number, timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    this.assertWritable();
    if (offset !== this.last + 1) {
      throw new StoreError(
        'MERIDIAN_STORE_OFFSET_MISMATCH',
        `appendAt(${offset}) but the next offset is ${this.last + 1}`,
      );
    }
    return this.enqueue(offset, timeMs, effects);
  }

  private enqueue(offset: number, timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    const payload = encodeEffects(effects);
    const entry: LogEntry = { offset, timeMs, effects };
    this.pending.push({ entry, payload, crc: entryChecksum(offset, timeMs, payload) });
    this.last = offset;
    let durable = resolved;
    if (this.policy === 'always') {
      this.batch ??= deferred();
      durable = this.batch.promise;
    }
    if (this.pending.length >= this.settings.pendingEntriesMax) this.commitPending();
    else this.flushHandle ??= setImmediate(() => this.commitPending());
    return { offset, durable };
  }

  /** Commits every queued entry now (normally done on the next turn of the event loop). */
  flush(): void {
    this.assertOpen();
    this.commitPending();
    if (this.failure !== undefined) throw this.failure;
  }

  observeCommits(observer: CommitObserver): void {
    this.commitObserver = observer;
  }

  private commitPending(): void {
    if (this.flushHandle !== undefined) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    const batch = this.pending;
    const waiter = this.batch;
    this.pending = [];
    this.batch = undefined;
    if (batch.length === 0 || this.failure !== undefined) {
      if (this.failure !== undefined) waiter?.reject(this.failure);
      else waiter?.resolve();
      return;
    }
    let bytes = 0;
    const startedAt = this.commitObserver === undefined ? 0 : performance.now();
    try {
      this.db.transaction(() => {
        for (const { entry, payload, crc } of batch) {
          this.insertEntry.run(entry.offset, entry.timeMs, payload, crc);
          bytes += payload.length;
        }
      })();
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.failure = new StoreError('MERIDIAN_STORE_WRITE_FAILED', `write log commit failed: ${detail}`, {
        cause: error,
      });
      // The batch is gone: the log ends at its last committed entry, so readers (replication) never
      // wait for offsets nothing can serve, and nothing streams an entry a restart will not have.
      this.last = this.durableLast;
      waiter?.reject(this.failure);
      return;
    }
    this.durableLast = (batch.at(-1) as PendingEntry).entry.offset;
    this.logEntries += batch.length;
    this.logBytes += bytes;
    this.commits += 1;
    this.committedEntries += batch.length;
    this.commitObserver?.(batch.length, (performance.now() - startedAt) / 1000);
    waiter?.resolve();
  }

  private syncWal(): void {
    if (this.closed || this.failure !== undefined) return;
    this.commitPending();
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  read(fromOffset: number, limits: { entriesMax: number; bytesMax: number }): ReadResult {
    this.assertOpen();
    if (fromOffset < this.first) return { kind: 'truncated', firstOffset: this.first };
    const out: LogEntry[] = [];
    let bytes = 0;
    let full = out.length >= limits.entriesMax;
    const take = (entry: LogEntry): void => {
      bytes += entryBytes(entry);
      if (out.length > 0 && bytes > limits.bytesMax) full = true;
      else out.push(entry);
      if (out.length >= limits.entriesMax) full = true;
    };
    if (!full && fromOffset <= this.durableLast) {
      for (const row of this.selectFrom.iterate(fromOffset, limits.entriesMax) as IterableIterator<EntryRow>) {
        take(this.decodeRow(row));
        if (full) break;
      }
    }
    const firstPending = this.pending[0]?.entry.offset ?? this.last + 1;
    for (let i = Math.max(fromOffset - firstPending, 0); !full && i < this.pending.length; i++) {
      take((this.pending[i] as PendingEntry).entry);
    }
    return { kind: 'entries', entries: out };
  }

  private decodeRow(row: EntryRow): LogEntry {
    if (entryChecksum(row.offset, row.time_ms, row.payload) !== row.crc32) {
      throw new StoreError('MERIDIAN_STORE_ENTRY_CORRUPT', `log entry ${row.offset} fails its checksum`);
    }
    return { offset: row.offset, timeMs: row.time_ms, effects: decodeEffects(row.payload) };
  }

  /**
   * Drops entries before `beforeOffset`, but never past the oldest kept snapshot (so every kept
   * snapshot can still be brought up to date) nor any entry not yet committed.
   */
  truncateBefore(beforeOffset: number): void {
    this.assertWritable();
    const floor = this.snapshotList.at(-1)?.offset ?? 0;
    const target = Math.min(beforeOffset, floor + 1, this.durableLast + 1);
    if (target <= this.first) return;
    this.db.transaction(() => {
      const bytes = this.db
        .prepare('SELECT coalesce(sum(length(payload)), 0) FROM entries WHERE offset < ?')
        .pluck()
        .get(target);
      const { changes } = this.db.prepare('DELETE FROM entries WHERE offset < ?').run(target);
      writeMeta(this.db, 'first_offset', target);
      this.logBytes -= Number(bytes);
      this.logEntries -= changes;
    })();
    this.first = target;
  }

  /** Applies the retention limits (also done after every snapshot); returns the new first offset. */
  enforceRetention(nowMs = Date.now()): number {
    this.assertWritable();
    const { entriesMax, bytesMax, ageMsMax } = this.settings.retention;
    let cut = this.first;
    if (entriesMax !== undefined) cut = Math.max(cut, this.durableLast - entriesMax + 1);
    if (bytesMax !== undefined && this.logBytes > bytesMax) {
      const over = this.db
        .prepare(
          'SELECT offset FROM (SELECT offset, sum(length(payload)) OVER (ORDER BY offset DESC) AS kept FROM entries) WHERE kept > ? ORDER BY offset DESC LIMIT 1',
        )
        .pluck()
        .get(bytesMax) as number | undefined;
      if (over !== undefined) cut = Math.max(cut, over + 1);
    }
    if (ageMsMax !== undefined) {
      const old = this.db
        .prepare('SELECT max(offset) FROM entries WHERE time_ms < ?')
        .pluck()
        .get(nowMs - ageMsMax) as number | null;
      if (old !== null) cut = Math.max(cut, old + 1);
    }
    this.truncateBefore(cut);
    return this.first;
  }

  /**
   * Forgets every entry and snapshot and continues after `lastOffset`: a replica starting a full
   * resync calls this, loads the primary's snapshot into its engine, then `writeSnapshot`s it.
   */
  resetTo(lastOffset: number): void {
    this.flush();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM entries').run();
      this.tables.removeAll();
      writeMeta(this.db, 'first_offset', lastOffset + 1);
    })();
    this.generation += 1;
    this.first = lastOffset + 1;
    this.last = lastOffset;
    this.durableLast = lastOffset;
    this.logEntries = 0;
    this.logBytes = 0;
    this.snapshotList = [];
  }

  /**
   * Writes a snapshot of `keyspace`, which must hold exactly the log up to `at.offset`.
   *
   * The keys are copied out synchronously in one pass (`dumpKeyspace` gives fresh arrays per
   * value; byte strings are immutable and shared), so the snapshot is consistent without
   * copy-on-write support in the engine; an incremental dump of a changing keyspace would be
   * fuzzy, and effects (INCRBY, LPUSH…) are not idempotent, so replaying over it would be wrong.
   * Encoding, checksumming and writing, the costly part, then run in slices of at most
   * `snapshotSliceMsMax` per transaction, yielding to the event loop between slices so appends
   * keep committing. The snapshot becomes visible in one last transaction, after every entry up to
   * `at.offset` is committed; then older snapshots beyond `snapshotsKeep` go and retention runs.
   */
  async writeSnapshot(keyspace: Keyspace, at: { offset: number; timeMs: number }): Promise<SnapshotInfo> {
    this.assertWritable();
    if (at.offset > this.last || at.offset < this.first - 1) {
      throw new RangeError(`snapshot offset ${at.offset} is outside the log (${this.first - 1}..${this.last})`);
    }
    const captured = [...dumpKeyspace(keyspace)];
    const generation = this.generation;
    const id = this.tables.begin(at.offset, at.timeMs, Date.now());
    const totals = new SnapshotTotals();
    try {
      await this.writeChunks(id, captured, totals, generation);
      this.flush();
      this.db.transaction(() => {
        this.tables.complete(id, totals);
        this.tables.prune(this.settings.snapshotsKeep);
      })();
    } catch (error) {
      if (!this.closed && this.generation === generation) this.tables.remove(id);
      throw error;
    }
    this.snapshotList = this.tables.list();
    this.enforceRetention();
    const info = this.snapshotList.find((snapshot) => snapshot.id === id);
    assert(info !== undefined, `snapshot ${id} vanished after completing`);
    return info;
  }

  private async writeChunks(
    id: number,
    captured: SnapshotEntry[],
    totals: SnapshotTotals,
    generation: number,
  ): Promise<void> {
    const chunkMax = this.settings.snapshotChunkEntriesMax;
    let start = 0;
    let seq = 0;
    while (start < captured.length) {
      const sliceStartMs = performance.now();
      this.db.transaction(() => {
        do {
          this.tables.writeChunk(id, seq, captured.slice(start, start + chunkMax), totals);
          seq += 1;
          start += chunkMax;
        } while (start < captured.length && performance.now() - sliceStartMs < this.settings.snapshotSliceMsMax);
      })();
      if (start < captured.length) {
        await yieldToEventLoop();
        this.assertWritable();
        if (this.generation !== generation)
          throw new StoreError('MERIDIAN_STORE_CLOSED', 'the log was reset during a snapshot');
      }
    }
  }

  snapshots(): readonly SnapshotInfo[] {
    return this.snapshotList;
  }

  readSnapshot(id: number): Iterable<SnapshotEntry> {
    this.assertOpen();
    return this.tables.read(id);
  }

  stats(): StoreStats {
    const pageBytes = Number(this.db.pragma('page_size', { simple: true }));
    const pages = Number(this.db.pragma('page_count', { simple: true }));
    return {
      policy: this.policy,
      firstOffset: this.first,
      lastOffset: this.last,
      durableOffset: this.durableLast,
      pendingEntries: this.pending.length,
      logEntries: this.logEntries + this.pending.length,
      logBytes: this.logBytes,
      snapshotOffset: this.snapshotList[0]?.offset ?? 0,
      snapshotCount: this.snapshotList.length,
      snapshotBytes: this.snapshotList.reduce((sum, snapshot) => sum + snapshot.bytes, 0),
      fileBytes: pageBytes * pages,
      commits: this.commits,
      committedEntries: this.committedEntries,
    };
  }

  /** The stats as INFO field lines (for the engine host's `persistence` section). */
  infoFields(): [string, string | number][] {
    const stats = this.stats();
    return [
      ['meridian_log_policy', stats.policy],
      ['meridian_log_first_offset', stats.firstOffset],
      ['meridian_log_last_offset', stats.lastOffset],
      ['meridian_log_durable_offset', stats.durableOffset],
      ['meridian_log_entries', stats.logEntries],
      ['meridian_log_bytes', stats.logBytes],
      ['meridian_snapshot_offset', stats.snapshotOffset],
      ['meridian_snapshot_count', stats.snapshotCount],
      ['meridian_snapshot_bytes', stats.snapshotBytes],
      ['meridian_store_file_bytes', stats.fileBytes],
      ['meridian_log_commits', stats.commits],
    ];
  }

  /** Commits what is queued, fsyncs, and closes the database. Idempotent. */
  close(): Promise<void> {
    if (this.closed) return resolved;
    this.commitPending();
    if (this.syncTimer !== undefined) clearInterval(this.syncTimer);
    this.closed = true;
    try {
      if (this.policy !== 'none' && this.failure === undefined) this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
    return this.failure === undefined ? resolved : Promise.reject(this.failure);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('MERIDIAN_STORE_CLOSED', 'the write log is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure !== undefined) throw this.failure;
  }
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
