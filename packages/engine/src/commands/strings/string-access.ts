import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_STRING_TOO_LONG, ERR_WRONGTYPE } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';

/** Redis's proto-max-bulk-len default: the largest string value, in bytes. */
export const STRING_BYTES_MAX = 512 * 1024 * 1024;
/**
 * V8's longest string (2^29 - 24 code units) is a little under 512 MB; strings between the two
 * limits are refused with Redis's own error rather than crashing the engine.
 */
const JS_STRING_LENGTH_MAX = 2 ** 29 - 24;

/** The string at `key` for a read (counts keyspace hits and misses); WRONGTYPE for other types. */
export function readString(ctx: ExecContext, key: ByteString): ByteString | undefined {
  const value = ctx.lookupRead(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new CommandError(ERR_WRONGTYPE);
  return value;
}

/** The string at `key` for a write; WRONGTYPE for other types. */
export function writableString(ctx: ExecContext, key: ByteString): ByteString | undefined {
  return ctx.lookupTyped<ByteString>(key, 'string');
}

/**
 * Redis's checkStringLength: a value of `lengthBytes` may not pass proto-max-bulk-len. Replicated
 * effects are not checked (the primary already did), except against the hard JS limit.
 */
export function checkStringLength(ctx: ExecContext, lengthBytes: number): void {
  if ((lengthBytes > STRING_BYTES_MAX && !ctx.applying) || lengthBytes > JS_STRING_LENGTH_MAX) {
    throw new CommandError(ERR_STRING_TOO_LONG);
  }
}

/**
 * `original` with `bytes` written at `offset`, zero-padded as needed. Built from slices so a large
 * value is shared, not copied byte by byte.
 */
export function overwriteBytes(original: ByteString, offset: number, bytes: ByteString): ByteString {
  const end = offset + bytes.length;
  if (offset > original.length) return original + '\0'.repeat(offset - original.length) + bytes;
  if (end >= original.length) return original.slice(0, offset) + bytes;
  return original.slice(0, offset) + bytes + original.slice(end);
}

/** `original` zero-padded to at least `lengthBytes`. */
export function growZero(original: ByteString, lengthBytes: number): ByteString {
  return lengthBytes <= original.length ? original : original + '\0'.repeat(lengthBytes - original.length);
}

/**
 * Redis's range clamping for GETRANGE, BITCOUNT and BITPOS: `start` and `end` are inclusive and
 * count from the end when negative. Exact on 64-bit arguments; null when the range is empty.
 * BITPOS lacks the early "both negative and reversed" test, so it may clamp such a range to [0, 0].
 */
export function clampRange(
  start: bigint,
  end: bigint,
  length: number,
  earlyReversedTest = true,
): [number, number] | null {
  if (earlyReversedTest && start < 0n && end < 0n && start > end) return null;
  const total = BigInt(length);
  let from = start < 0n ? total + start : start;
  let to = end < 0n ? total + end : end;
  if (from < 0n) from = 0n;
  if (to < 0n) to = 0n;
  if (to >= total) to = total - 1n;
  if (from > to) return null;
  return [Number(from), Number(to)];
}

/** A 64-bit integer argument, exactly; Redis's "not an integer" error otherwise. */
export function requireBigInt(text: ByteString): bigint {
  const value = parseBigInt64(text);
  if (value === null) throw new CommandError(ERR_NOT_INTEGER);
  return value;
}
