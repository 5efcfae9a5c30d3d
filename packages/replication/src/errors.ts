/**
 * Stable error codes of the replication protocol (documented in README.md). They travel in `error`
 * frames and as the reason of the WebSocket close (code 4000).
 */
export const REPLICATION_ERROR_CODES = [
  'VERSION_MISMATCH',
  'BAD_SECRET',
  'OFFSET_TOO_OLD',
  'CORRUPT_FRAME',
  'PROTOCOL_VIOLATION',
  'BACKLOG_EXCEEDED',
  'FRAME_TOO_LARGE',
  'HANDSHAKE_TIMEOUT',
  'PARTITIONED',
  'RECEIVE_QUEUE_FULL',
  'APPLY_FAILED',
  'REPLACED',
  'SHUTTING_DOWN',
  'TLS_CERT_INVALID',
  'TLS_CLIENT_CERT_REQUIRED',
] as const;

export type ReplicationErrorCode = (typeof REPLICATION_ERROR_CODES)[number];

/** Errors after which a replica stops reconnecting: retrying cannot help until its config changes. */
export const FATAL_CODES: ReadonlySet<ReplicationErrorCode> = new Set(['VERSION_MISMATCH', 'BAD_SECRET']);

/** WebSocket close code carrying a replication error (its code is the close reason). */
export const CLOSE_CODE_ERROR = 4000;

export function isReplicationErrorCode(value: unknown): value is ReplicationErrorCode {
  return typeof value === 'string' && (REPLICATION_ERROR_CODES as readonly string[]).includes(value);
}

export class ReplicationError extends Error {
  constructor(
    readonly code: ReplicationErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
