import type { SnapshotEntry } from '@meridian/engine';
import type Database from 'better-sqlite3';
import { chunkChecksum, decodeSnapshotChunk, encodeSnapshotChunk } from './codec.js';
import { StoreError } from './errors.js';
import type { SnapshotInfo } from './snapshot-store.js';

interface SnapshotRow {
  id: number;
  offset: number;
  time_ms: number;
  created_at_ms: number;
  entry_count: number;
  chunk_count: number;
  bytes: number;
  crc32: number;
}

interface ChunkRow {
  seq: number;
  entry_count: number;
  data: Buffer;
  crc32: number;
}

/** Running totals of a snapshot being written; `crc` chains the chunks' checksums in order. */
export class SnapshotTotals {
  entryCount = 0;
  chunkCount = 0;
  bytes = 0;
  crc = 0;

  add(entries: number, bytes: number, crc: number): void {
    this.entryCount += entries;
    this.chunkCount += 1;
    this.bytes += bytes;
    const word = Buffer.alloc(4);
    word.writeUInt32LE(crc >>> 0);
    this.crc = chunkChecksum(word, this.crc);
  }
}

function toInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    offset: row.offset,
    timeMs: row.time_ms,
    createdAtMs: row.created_at_ms,
    entryCount: row.entry_count,
    chunkCount: row.chunk_count,
    bytes: row.bytes,
  };
}

function corrupt(id: number, why: string): StoreError {
  return new StoreError('MERIDIAN_STORE_SNAPSHOT_CORRUPT', `snapshot ${id}: ${why}`);
}

/** The snapshot tables: a header row per snapshot, made visible by `complete = 1`, and its chunks. */
export class SnapshotTables {
  private readonly insertHeader: Database.Statement;
  private readonly insertChunk: Database.Statement;
  private readonly markComplete: Database.Statement;
  private readonly listComplete: Database.Statement;
  private readonly selectHeader: Database.Statement;
  private readonly selectChunk: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertHeader = db.prepare('INSERT INTO snapshots (offset, time_ms, created_at_ms) VALUES (?, ?, ?)');
    this.insertChunk = db.prepare(
      'INSERT INTO snapshot_chunks (snapshot_id, seq, entry_count, data, crc32) VALUES (?, ?, ?, ?, ?)',
    );
    this.markComplete = db.prepare(
      'UPDATE snapshots SET entry_count = ?, chunk_count = ?, bytes = ?, crc32 = ?, complete = 1 WHERE id = ?',
    );
    this.listComplete = db.prepare('SELECT * FROM snapshots WHERE complete = 1 ORDER BY offset DESC, id DESC');
    this.selectHeader = db.prepare('SELECT * FROM snapshots WHERE id = ? AND complete = 1');
    this.selectChunk = db.prepare(
      'SELECT seq, entry_count, data, crc32 FROM snapshot_chunks WHERE snapshot_id = ? AND seq = ?',
    );
  }

  begin(offset: number, timeMs: number, createdAtMs: number): number {
    return Number(this.insertHeader.run(offset, timeMs, createdAtMs).lastInsertRowid);
  }

  writeChunk(id: number, seq: number, entries: readonly SnapshotEntry[], totals: SnapshotTotals): void {
    const data = encodeSnapshotChunk(entries);
    const crc = chunkChecksum(data);
    this.insertChunk.run(id, seq, entries.length, data, crc);
    totals.add(entries.length, data.length, crc);
  }

  complete(id: number, totals: SnapshotTotals): void {
    this.markComplete.run(totals.entryCount, totals.chunkCount, totals.bytes, totals.crc, id);
  }

  list(): SnapshotInfo[] {
    return (this.listComplete.all() as SnapshotRow[]).map(toInfo);
  }

  /** Deletes all but the newest `keep` complete snapshots. */
  prune(keep: number): number {
    const doomed = this.list().slice(keep);
    for (const info of doomed) this.remove(info.id);
    return doomed.length;
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM snapshot_chunks WHERE snapshot_id = ?').run(id);
    this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id);
  }

  /** Deletes snapshots a crash left half-written; returns how many. */
  removeIncomplete(): number {
    const ids = this.db.prepare('SELECT id FROM snapshots WHERE complete = 0').pluck().all() as number[];
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  removeAll(): void {
    this.db.exec('DELETE FROM snapshot_chunks; DELETE FROM snapshots;');
  }

  totalBytes(): number {
    return Number(this.db.prepare('SELECT coalesce(sum(bytes), 0) FROM snapshots WHERE complete = 1').pluck().get());
  }

  /**
   * Decodes the snapshot chunk by chunk (one point query each, so no statement stays open between
   * chunks and the log can commit meanwhile), checking each checksum and the totals at the end.
   */
  *read(id: number): Generator<SnapshotEntry> {
    const header = this.selectHeader.get(id) as SnapshotRow | undefined;
    if (header === undefined) throw corrupt(id, 'no such complete snapshot');
    const totals = new SnapshotTotals();
    for (let seq = 0; seq < header.chunk_count; seq++) {
      const row = this.selectChunk.get(id, seq) as ChunkRow | undefined;
      if (row === undefined) throw corrupt(id, `chunk ${seq} is missing`);
      if (chunkChecksum(row.data) !== row.crc32) throw corrupt(id, `chunk ${seq} fails its checksum`);
      const entries = decodeSnapshotChunk(row.data);
      if (entries.length !== row.entry_count) throw corrupt(id, `chunk ${seq} has the wrong entry count`);
      totals.add(entries.length, row.data.length, row.crc32);
      yield* entries;
    }
    if (totals.entryCount !== header.entry_count || totals.crc !== header.crc32) {
      throw corrupt(id, 'chunks do not match the header');
    }
  }
}
