import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_WRONGTYPE } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import {
  type ConsumerGroup,
  formatStreamId,
  type StreamEntry,
  type StreamId,
  StreamValue,
} from '../../types/stream.js';

/** The stream at `key` for a read (counts keyspace hits and misses); WRONGTYPE for other types. */
export function readStream(ctx: ExecContext, key: ByteString): StreamValue | undefined {
  const value = ctx.lookupRead(key);
  if (value === undefined) return undefined;
  if (!(value instanceof StreamValue)) throw new CommandError(ERR_WRONGTYPE);
  return value;
}

/** The stream at `key` for a write; WRONGTYPE for other types. */
export function writableStream(ctx: ExecContext, key: ByteString): StreamValue | undefined {
  return ctx.lookupTyped<StreamValue>(key, 'stream');
}

/** `[id, [field, value, …]]`, the shape every stream read answers with. */
export function entryReply(entry: StreamEntry): Reply {
  return [formatStreamId(entry.id), [...entry.fields]];
}

/** A 64-bit counter as a reply integer: a number while exact, else a bigint. */
export function counterReply(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** "NOGROUP No such key 'k' or consumer group 'g'" (XPENDING, XCLAIM, XAUTOCLAIM…). */
export function noGroupForKey(key: ByteString, group: ByteString, suffix = ''): CommandError {
  return new CommandError(`NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`);
}

/** "NOGROUP No such consumer group 'g' for key name 'k'" (XGROUP, XINFO). */
export function noGroupNamed(key: ByteString, group: ByteString): CommandError {
  return new CommandError(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** The stream and group for commands that need both; the key-or-group NOGROUP error otherwise. */
export function requireGroup(
  stream: StreamValue | undefined,
  key: ByteString,
  groupName: ByteString,
): [StreamValue, ConsumerGroup] {
  const group = stream?.groups.get(groupName);
  if (stream === undefined || group === undefined) throw noGroupForKey(key, groupName);
  return [stream, group];
}

/**
 * The effect that gives a replica a consumer's exact times (creating it if needed). Effect-only:
 * `XGROUP CONSUMERTIMES key group consumer seen-ms active-ms` is refused from clients.
 */
export function propagateConsumerTimes(
  ctx: ExecContext,
  key: ByteString,
  groupName: ByteString,
  consumer: { name: ByteString; seenTimeMs: number; activeTimeMs: number },
): void {
  ctx.propagate([
    'XGROUP',
    'CONSUMERTIMES',
    key,
    groupName,
    consumer.name,
    String(consumer.seenTimeMs),
    String(consumer.activeTimeMs),
  ]);
}

/**
 * The effect that reproduces one delivery or claim on a replica, as Redis itself propagates it:
 * XCLAIM with the exact delivery time and count, FORCE so it creates the pending entry.
 */
export function propagateClaim(
  ctx: ExecContext,
  key: ByteString,
  groupName: ByteString,
  consumerName: ByteString,
  id: StreamId,
  deliveryTimeMs: number,
  deliveryCount: number,
): void {
  ctx.propagate([
    'XCLAIM',
    key,
    groupName,
    consumerName,
    '0',
    formatStreamId(id),
    'TIME',
    String(deliveryTimeMs),
    'RETRYCOUNT',
    String(deliveryCount),
    'FORCE',
    'JUSTID',
  ]);
}
