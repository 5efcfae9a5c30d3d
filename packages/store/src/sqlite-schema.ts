import { MeridianError } from '@meridian/engine';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureWritableDir } from './data-dir.js';
import { StoreError } from './errors.js';
import type { DurabilityPolicy } from './write-log.js';

/**
 * Version of the on-disk schema. A database with a higher version is refused, never modified.
 * Changelog:
 * - 1: meta, entries (offset, time_ms, payload msgpack, crc32), snapshots + snapshot_chunks.
 */
export const SCHEMA_VERSION = 1;

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY) STRICT;
CREATE TABLE entries (
  offset INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, payload BLOB NOT NULL, crc32 INTEGER NOT NULL
) STRICT;
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY, offset INTEGER NOT NULL, time_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
  entry_count INTEGER NOT NULL DEFAULT 0, chunk_count INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
  crc32 INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE snapshot_chunks (
  snapshot_id INTEGER NOT NULL, seq INTEGER NOT NULL, entry_count INTEGER NOT NULL,
  data BLOB NOT NULL, crc32 INTEGER NOT NULL, PRIMARY KEY (snapshot_id, seq)
) STRICT;
`;

export interface DatabaseLimits {
  busyTimeoutMs: number;
  walAutocheckpointPages: number;
}

export interface OpenedDatabase {
  db: Database.Database;
  /** Absolute path of the database file, undefined for policy `none`. */
  path: string | undefined;
  created: boolean;
  replicationId: string;
  /** The pragmas as SQLite reports them after setting them (journal_mode, synchronous…). */
  pragmas: Record<string, string | number>;
}

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** Turns SQLite's errors at open into the store's typed errors, naming the file. */
function openError(error: unknown, path: string): unknown {
  const code = sqliteCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreError('MERIDIAN_STORE_LOCKED', `${path} is in use by another process (${detail})`, {
      cause: error,
    });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreError('MERIDIAN_STORE_NOT_A_DATABASE', `${path} is not a Meridian database (${detail})`, {
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new StoreError('MERIDIAN_STORE_DIR_NOT_WRITABLE', `${path} cannot be opened for writing (${detail})`, {
      cause: error,
    });
  }
  return error;
}

function applyPragmas(db: Database.Database, policy: DurabilityPolicy, limits: DatabaseLimits): void {
  db.pragma(`busy_timeout = ${Math.floor(limits.busyTimeoutMs)}`);
  if (policy === 'none') {
    db.pragma('synchronous = OFF');
    return;
  }
  // Exclusive locking: one node per data directory; the wal-index then lives in heap memory.
  db.pragma('locking_mode = EXCLUSIVE');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal')
    throw new MeridianError('MERIDIAN_STORE_WAL_REFUSED', `journal_mode WAL refused (got ${String(mode)})`);
  db.pragma(`synchronous = ${policy === 'always' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`wal_autocheckpoint = ${Math.floor(limits.walAutocheckpointPages)}`);
}

const reportedPragmas = ['journal_mode', 'synchronous', 'busy_timeout', 'wal_autocheckpoint', 'locking_mode'];

function readPragmas(db: Database.Database): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const name of reportedPragmas) out[name] = db.pragma(name, { simple: true }) as string | number;
  return out;
}

function readMeta(db: Database.Database, key: string): unknown {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: unknown } | undefined;
  return row?.value;
}

/** Creates the schema in a new database or checks the version of an existing one. */
function initSchema(db: Database.Database, label: string, nowMs: number): { created: boolean; replicationId: string } {
  db.exec('BEGIN IMMEDIATE');
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    let created = false;
    if (tables.length === 0) {
      db.exec(schema);
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      insert.run('schema_version', SCHEMA_VERSION);
      insert.run('replication_id', randomUUID().replaceAll('-', ''));
      insert.run('created_at_ms', nowMs);
      insert.run('first_offset', 1);
      created = true;
    } else if (!tables.includes('meta')) {
      throw new StoreError('MERIDIAN_STORE_NOT_A_DATABASE', `${label} is a SQLite database but not a Meridian store`);
    }
    const version = Number(readMeta(db, 'schema_version'));
    if (!(version <= SCHEMA_VERSION)) {
      throw new StoreError(
        'MERIDIAN_STORE_SCHEMA_TOO_NEW',
        `${label} has schema version ${String(readMeta(db, 'schema_version'))}, newer than this Meridian supports (${SCHEMA_VERSION}); upgrade Meridian or use another data directory`,
      );
    }
    db.exec('COMMIT');
    return { created, replicationId: String(readMeta(db, 'replication_id')) };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Opens (creating if needed) the store's database: in memory for policy `none`, else `dir/fileName`. */
export function openDatabase(
  options: { dataDir: string | undefined; fileName: string; policy: DurabilityPolicy },
  limits: DatabaseLimits,
): OpenedDatabase {
  let path: string | undefined;
  if (options.policy !== 'none') {
    if (options.dataDir === undefined) throw new TypeError(`policy ${options.policy} needs a dataDir`);
    path = join(ensureWritableDir(options.dataDir), options.fileName);
  }
  const label = path ?? ':memory:';
  let db: Database.Database | undefined;
  try {
    db = new Database(path ?? ':memory:');
    applyPragmas(db, options.policy, limits);
    const { created, replicationId } = initSchema(db, label, Date.now());
    return { db, path, created, replicationId, pragmas: readPragmas(db) };
  } catch (error) {
    db?.close();
    throw openError(error, label);
  }
}

export function readMetaNumber(db: Database.Database, key: string): number {
  return Number(readMeta(db, key));
}

export function writeMeta(db: Database.Database, key: string, value: number | string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  );
}
