/** Bounds on what a client may send; Redis's defaults. */
export interface RespLimits {
  /** proto-max-bulk-len: the longest bulk string argument. */
  readonly bulkBytesMax: number;
  /** The most arguments in one multibulk command. */
  readonly multibulkLengthMax: number;
  /** client-query-buffer-limit: unparsed bytes a client may accumulate. */
  readonly queryBufferBytesMax: number;
  /** PROTO_INLINE_MAX_SIZE: the longest inline command line or count line. */
  readonly inlineBytesMax: number;
  /** Before AUTH: the most arguments in a multibulk command. */
  readonly unauthenticatedMultibulkLengthMax: number;
  /** Before AUTH: the longest bulk string argument. */
  readonly unauthenticatedBulkBytesMax: number;
}

export const RESP_LIMITS_DEFAULT: RespLimits = {
  bulkBytesMax: 512 * 1024 * 1024,
  multibulkLengthMax: 1024 * 1024,
  queryBufferBytesMax: 1024 * 1024 * 1024,
  inlineBytesMax: 64 * 1024,
  unauthenticatedMultibulkLengthMax: 10,
  unauthenticatedBulkBytesMax: 16384,
};
