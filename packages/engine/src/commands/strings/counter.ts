import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_OVERFLOW } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';
import { writableString } from './string-access.js';

/** A 64-bit integer as a reply: a number when exact in JS, a bigint beyond ±2^53. */
export function integerReply(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * INCR, DECR, INCRBY and DECRBY: adds `increment` to the integer at `key` (0 when absent) with
 * Redis's 64-bit overflow check. The key keeps its TTL; replicated as the command itself.
 */
export function incrementBy(ctx: ExecContext, key: ByteString, increment: bigint): number | bigint {
  const current = writableString(ctx, key);
  const value = current === undefined ? 0n : parseBigInt64(current);
  if (value === null) throw new CommandError(ERR_NOT_INTEGER);
  const result = value + increment;
  if (result > INT64.max || result < INT64.min) throw new CommandError(ERR_OVERFLOW);
  if (current === undefined) ctx.addKey(key, result.toString());
  else ctx.setKey(key, result.toString(), true);
  ctx.propagateAsIs();
  return integerReply(result);
}
