import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import type { ZSetEntry, ZSetValue } from '../../types/zset.js';
import { entriesReply, readZSet } from './zset-access.js';

const LONG_MAX = 2n ** 63n - 1n;

function parseCount(argv: readonly ByteString[]): number {
  const count = parseBigInt64(argv[2] as ByteString);
  if (count === null) throw new CommandError(ERR_NOT_INTEGER);
  if (count < -LONG_MAX) {
    throw new CommandError(`ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
  }
  if (argv.length > 4 || (argv.length === 4 && (argv[3] as ByteString).toLowerCase() !== 'withscores')) {
    throw new CommandError(ERR_SYNTAX);
  }
  if (argv.length === 4 && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) {
    throw new CommandError('ERR value is out of range');
  }
  return Number(count);
}

function randomRank(ctx: ExecContext, size: number): number {
  return Math.floor(ctx.random() * size);
}

/** `count` distinct random members: a partial shuffle when most are wanted, else draws until enough. */
function distinctSample(ctx: ExecContext, zset: ZSetValue, count: number): ZSetEntry[] {
  const size = zset.size;
  const ranks: number[] = [];
  if (count * 3 > size) {
    const all = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + randomRank(ctx, size - i);
      [all[i], all[j]] = [all[j] as number, all[i] as number];
      ranks.push(all[i] as number);
    }
  } else {
    const seen = new Set<number>();
    while (seen.size < count) {
      const rank = randomRank(ctx, size);
      if (!seen.has(rank)) ranks.push(rank);
      seen.add(rank);
    }
  }
  return pickRanks(zset, ranks);
}

/**
 * The entries at `ranks`. Reaching a rank walks a packed set, so when the ranks are at least a
 * third as many as the members, the set is listed once instead.
 */
function pickRanks(zset: ZSetValue, ranks: readonly number[]): ZSetEntry[] {
  if (ranks.length * 3 <= zset.size) return ranks.map((rank) => zset.at(rank) as ZSetEntry);
  const all = [...zset.entries()];
  return ranks.map((rank) => all[rank] as ZSetEntry);
}

/** A REST reply must fit in memory: a negative count (repeats allowed) is capped, as SRANDMEMBER's is. */
export const zrandmemberRepliesMax = 1_000_000;

function withCount(ctx: ExecContext, zset: ZSetValue | undefined, count: number, withScores: boolean): Reply {
  if (zset === undefined || count === 0) return [];
  let picked: ZSetEntry[];
  if (count < 0) {
    if (-count > zrandmemberRepliesMax) {
      throw new CommandError(
        `ERR count is out of range, a negative count may ask for at most ${zrandmemberRepliesMax} members`,
      );
    }
    const ranks: number[] = [];
    for (let i = 0; i < -count; i++) ranks.push(randomRank(ctx, zset.size));
    picked = pickRanks(zset, ranks);
  } else if (count >= zset.size) {
    // Redis walks the whole set from the highest score down here.
    picked = [...zset.entries(zset.size - 1, true)];
  } else {
    picked = distinctSample(ctx, zset, count);
  }
  return entriesReply(picked, withScores);
}

/**
 * ZRANDMEMBER key [count [WITHSCORES]]: one random member (nil when missing), or `count` distinct
 * ones (the whole set, highest first, when count ≥ its size), or with a negative count repeats allowed.
 */
export const zrandmember = defineCommand({
  name: 'zrandmember',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const key = argv[1] as ByteString;
    if (argv.length >= 3) {
      const count = parseCount(argv);
      return withCount(ctx, readZSet(ctx, key), count, argv.length === 4);
    }
    const zset = readZSet(ctx, key);
    if (zset === undefined) return null;
    return (zset.at(randomRank(ctx, zset.size)) as ZSetEntry).member;
  },
});
