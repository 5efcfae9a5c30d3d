/**
 * Operating errors of the store, each with a stable `code` (listed in the README). Programmer
 * errors (an offset out of sequence from our own code) are plain assertions.
 */
export type StoreErrorCode =
  /** The data directory cannot be created or written. */
  | 'MERIDIAN_STORE_DIR_NOT_WRITABLE'
  /** The database was written by a newer Meridian (schema version above ours). */
  | 'MERIDIAN_STORE_SCHEMA_TOO_NEW'
  /** The file exists but is not a Meridian/SQLite database. */
  | 'MERIDIAN_STORE_NOT_A_DATABASE'
  /** Another process holds the database. */
  | 'MERIDIAN_STORE_LOCKED'
  /** A committed entry failed its checksum when read. */
  | 'MERIDIAN_STORE_ENTRY_CORRUPT'
  /** A snapshot chunk failed its checksum or the snapshot is incomplete. */
  | 'MERIDIAN_STORE_SNAPSHOT_CORRUPT'
  /** The log does not reach back to the snapshot (or to offset 1): the state cannot be rebuilt. */
  | 'MERIDIAN_STORE_LOG_GAP'
  /** A commit failed (disk full, I/O error); the log refuses further appends. */
  | 'MERIDIAN_STORE_WRITE_FAILED'
  /** `appendAt` was given an offset that is not lastOffset() + 1. */
  | 'MERIDIAN_STORE_OFFSET_MISMATCH'
  /** The log was closed. */
  | 'MERIDIAN_STORE_CLOSED';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
