import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_INVALID_EXPIRE, ERR_NOT_INTEGER } from '../../errors.js';
import { INT64, parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';

/** Which EXPIRE-family command: its name for error texts, its unit, and whether the time is relative. */
export interface ExpireVariant {
  readonly name: string;
  readonly unit: 'seconds' | 'milliseconds';
  readonly relative: boolean;
}

interface ExpireConditions {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

/** The NX/XX/GT/LT options from argv[3] on, with Redis's texts for unknown and clashing options. */
function parseConditions(argv: readonly ByteString[]): ExpireConditions {
  const conditions: ExpireConditions = { nx: false, xx: false, gt: false, lt: false };
  for (let i = 3; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    if (option === 'nx' || option === 'xx' || option === 'gt' || option === 'lt') conditions[option] = true;
    else throw new CommandError(`ERR Unsupported option ${argv[i] as ByteString}`);
  }
  if (conditions.nx && (conditions.xx || conditions.gt || conditions.lt)) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (conditions.gt && conditions.lt) {
    throw new CommandError('ERR GT and LT options at the same time are not compatible');
  }
  return conditions;
}

/** The absolute expiry time in ms the command asks for, with Redis's int64 overflow checks. */
function absoluteExpireMs(ctx: ExecContext, text: ByteString, variant: ExpireVariant): bigint {
  let when = parseBigInt64(text);
  if (when === null) throw new CommandError(ERR_NOT_INTEGER);
  if (variant.unit === 'seconds') {
    if (when > INT64.max / 1000n || when < INT64.min / 1000n) throw new CommandError(ERR_INVALID_EXPIRE(variant.name));
    when *= 1000n;
  }
  const base = variant.relative ? BigInt(Math.floor(ctx.nowMs)) : 0n;
  if (when > INT64.max - base) throw new CommandError(ERR_INVALID_EXPIRE(variant.name));
  return when + base;
}

function conditionsAllow(conditions: ExpireConditions, currentMs: number | undefined, whenMs: number): boolean {
  if (conditions.nx && currentMs !== undefined) return false;
  if (conditions.xx && currentMs === undefined) return false;
  // No TTL counts as an infinite one: GT never passes, LT always does.
  if (conditions.gt && (currentMs === undefined || whenMs <= currentMs)) return false;
  if (conditions.lt && currentMs !== undefined && whenMs >= currentMs) return false;
  return true;
}

/**
 * EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: 1 when the TTL was set, 0 when the key is missing or a
 * condition failed. A time already past deletes the key (replicated as DEL); otherwise the TTL is
 * replicated as an absolute PEXPIREAT.
 */
export function expireGeneric(ctx: ExecContext, argv: readonly ByteString[], variant: ExpireVariant): number {
  const key = argv[1] as ByteString;
  const conditions = parseConditions(argv);
  const when = absoluteExpireMs(ctx, argv[2] as ByteString, variant);
  if (ctx.lookup(key) === undefined) return 0;
  const whenMs = Number(when);
  if (!conditionsAllow(conditions, ctx.getExpireAtMs(key), whenMs)) return 0;
  if (ctx.isAlreadyExpired(whenMs)) {
    ctx.deleteKey(key);
    ctx.propagate(['DEL', key]);
    return 1;
  }
  ctx.setExpireAtMs(key, whenMs);
  ctx.propagate(['PEXPIREAT', key, when.toString()]);
  return 1;
}

/**
 * An integer reply; beyond 2^53 a bigint. Expiry times are kept as JS numbers, so times that far
 * out (past the year 285000) are only approximate; they are clamped to int64 like Redis's.
 */
function integerReply(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(Math.trunc(n));
  return big > INT64.max ? INT64.max : big < INT64.min ? INT64.min : big;
}

/** TTL and PTTL: -2 for a missing key, -1 without TTL, else the time left (seconds rounded). */
export function ttlGeneric(ctx: ExecContext, key: ByteString, milliseconds: boolean): number | bigint {
  if (ctx.lookupRead(key) === undefined) return -2;
  const atMs = ctx.getExpireAtMs(key);
  if (atMs === undefined) return -1;
  const ttlMs = Math.max(0, Math.floor(atMs - ctx.nowMs));
  return integerReply(milliseconds ? ttlMs : Math.floor((ttlMs + 500) / 1000));
}

/** EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 without TTL, else the absolute expiry. */
export function expireTimeGeneric(ctx: ExecContext, key: ByteString, milliseconds: boolean): number | bigint {
  if (ctx.lookupRead(key) === undefined) return -2;
  const atMs = ctx.getExpireAtMs(key);
  if (atMs === undefined) return -1;
  return integerReply(milliseconds ? atMs : Math.trunc(atMs / 1000));
}
