import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_POSITIVE, ERR_SYNTAX } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import type { ZSetEntry, ZSetValue } from '../../types/zset.js';
import { deleteIfEmpty, entriesReply, formatScore, requireLong, writableZSet } from './zset-access.js';

export type PopEnd = 'min' | 'max';

/**
 * Pops up to `count` members from one end, deletes the key if emptied, and replicates as
 * ZPOPMIN/ZPOPMAX key n (deterministic given the same set).
 */
export function popEntries(
  ctx: ExecContext,
  key: ByteString,
  zset: ZSetValue,
  end: PopEnd,
  count: number,
): ZSetEntry[] {
  const size = zset.size;
  const popped: ZSetEntry[] = [];
  for (const entry of end === 'min' ? zset.entries(0) : zset.entries(size - 1, true)) {
    if (popped.length >= count) break;
    popped.push(entry);
  }
  if (end === 'min') zset.removeRanks(0, popped.length);
  else zset.removeRanks(size - popped.length, size);
  deleteIfEmpty(ctx, key, zset);
  if (popped.length > 0) ctx.propagate([end === 'min' ? 'ZPOPMIN' : 'ZPOPMAX', key, String(popped.length)]);
  return popped;
}

/** ZPOPMIN and ZPOPMAX key [count]: a flat [member, score, …] array (empty for a missing key). */
export function zpopCommand(ctx: ExecContext, argv: readonly ByteString[], end: PopEnd): Reply {
  if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
  let count = 1;
  if (argv.length === 3) {
    count = requireLong(argv[2] as ByteString, ERR_NOT_POSITIVE);
    if (count < 0) throw new CommandError(ERR_NOT_POSITIVE);
  }
  const key = argv[1] as ByteString;
  const zset = writableZSet(ctx, key);
  if (zset === undefined || count === 0) return [];
  return entriesReply(popEntries(ctx, key, zset, end, count), true);
}

/** A positive `long` with Redis's custom text for both a non-integer and a value below 1. */
function requirePositive(text: ByteString, message: string): number {
  const value = requireLong(text, message);
  if (value < 1) throw new CommandError(message);
  return value;
}

/**
 * ZMPOP numkeys key [key …] MIN|MAX [COUNT count]: pops from the first non-empty sorted set,
 * answering [key, [[member, score], …]], or nil when all are empty.
 */
export function zmpopCommand(ctx: ExecContext, argv: readonly ByteString[], numkeysIndex: number): Reply {
  const numkeys = requirePositive(argv[numkeysIndex] as ByteString, 'ERR numkeys should be greater than 0');
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new CommandError(ERR_SYNTAX);
  const where = (argv[whereIndex] as ByteString).toLowerCase();
  if (where !== 'min' && where !== 'max') throw new CommandError(ERR_SYNTAX);
  let count: number | undefined;
  for (let i = whereIndex + 1; i < argv.length; i++) {
    const value = argv[i + 1];
    if (count !== undefined || (argv[i] as ByteString).toLowerCase() !== 'count' || value === undefined) {
      throw new CommandError(ERR_SYNTAX);
    }
    count = requirePositive(value, 'ERR count should be greater than 0');
    i++;
  }
  for (let i = numkeysIndex + 1; i < whereIndex; i++) {
    const key = argv[i] as ByteString;
    const zset = writableZSet(ctx, key);
    if (zset === undefined) continue;
    const popped = popEntries(ctx, key, zset, where, count ?? 1);
    return [key, popped.map(({ member, score }) => [member, formatScore(score)])];
  }
  return null;
}
