import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { type ZSetEntry, ZSetValue } from '../../types/zset.js';
import {
  firstRankIn,
  type Interval,
  lastRankIn,
  normalizeRankRange,
  parseLexInterval,
  parseScoreInterval,
} from './ranges.js';
import { entriesReply, readZSet, requireLong, storedScore, storeZSet } from './zset-access.js';

export type RangeKind = 'rank' | 'score' | 'lex';

/** How a ZRANGE-family command fixes its kind and direction, or leaves them to options. */
export interface RangeCommandShape {
  /** Argument index of the source key; min and max follow it. */
  keyIndex: number;
  kind?: RangeKind;
  reverse?: boolean;
  /** ZRANGESTORE: WITHSCORES refused, the result stored at argv[1]. */
  store?: boolean;
  /** Upstash's ZRANGE accepts LIMIT with a rank range too (Redis answers a syntax error). */
  limitWithRank?: boolean;
}

interface RangeOptions {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  /** -1 when no LIMIT (or LIMIT with count -1, which Redis treats alike). */
  count: number;
}

function parseRangeOptions(argv: readonly ByteString[], shape: RangeCommandShape): RangeOptions {
  let kind = shape.kind;
  let reverse = shape.reverse;
  const options: RangeOptions = { kind: 'rank', reverse: false, withScores: false, offset: 0, count: -1 };
  for (let i = shape.keyIndex + 3; i < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    if (shape.store !== true && option === 'withscores') options.withScores = true;
    else if (option === 'limit' && i + 2 < argv.length) {
      options.offset = requireLong(argv[i + 1] as ByteString);
      options.count = requireLong(argv[i + 2] as ByteString);
      i += 2;
    } else if (reverse === undefined && option === 'rev') reverse = true;
    else if (kind === undefined && option === 'bylex') kind = 'lex';
    else if (kind === undefined && option === 'byscore') kind = 'score';
    else throw new CommandError(ERR_SYNTAX);
  }
  options.kind = kind ?? 'rank';
  options.reverse = reverse ?? false;
  if (options.count !== -1 && options.kind === 'rank' && shape.limitWithRank !== true) {
    throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (options.withScores && options.kind === 'lex') {
    throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  return options;
}

/** `count` entries from `rank` on (all when negative), stepping down when `reverse`. */
function take(zset: ZSetValue, rank: number, reverse: boolean, count: number, inRange: (e: ZSetEntry) => boolean) {
  const selected: ZSetEntry[] = [];
  if (count === 0) return selected;
  for (const entry of zset.entries(rank, reverse)) {
    if (!inRange(entry)) break;
    selected.push(entry);
    if (selected.length === count) break;
  }
  return selected;
}

function selectByRank(zset: ZSetValue, start: number, stop: number, options: RangeOptions): ZSetEntry[] {
  const ranks = normalizeRankRange(start, stop, zset.size);
  const offset = options.count === -1 ? 0 : options.offset;
  if (ranks === undefined || offset < 0) return [];
  const length = ranks[1] - ranks[0] + 1;
  if (offset >= length) return [];
  const wanted = options.count < 0 ? length - offset : Math.min(options.count, length - offset);
  const first = options.reverse ? zset.size - 1 - ranks[0] - offset : ranks[0] + offset;
  return take(zset, first, options.reverse, wanted, () => true);
}

/** Redis's genericZrangebyscore/bylex: from the first member in range, skip `offset`, then walk while inside. */
function selectByInterval(zset: ZSetValue, interval: Interval, options: RangeOptions): ZSetEntry[] {
  const start = options.reverse ? lastRankIn(zset, interval) : firstRankIn(zset, interval);
  if (start === undefined || options.offset < 0) return [];
  const rank = options.reverse ? start - options.offset : start + options.offset;
  if (rank < 0 || rank >= zset.size) return [];
  const inRange = options.reverse ? interval.atLeastMin : interval.atMostMax;
  return take(zset, rank, options.reverse, options.count, inRange);
}

function parseBounds(argv: readonly ByteString[], shape: RangeCommandShape, options: RangeOptions) {
  let minText = argv[shape.keyIndex + 1] as ByteString;
  let maxText = argv[shape.keyIndex + 2] as ByteString;
  if (options.kind === 'rank') return { start: requireLong(minText), stop: requireLong(maxText) };
  if (options.reverse) [minText, maxText] = [maxText, minText];
  return {
    interval: options.kind === 'score' ? parseScoreInterval(minText, maxText) : parseLexInterval(minText, maxText),
  };
}

/**
 * The ZRANGE family (ZRANGE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX, ZRANGESTORE), in
 * Redis's order: options, then the range, then the key. ZRANGESTORE replicates as is.
 */
export function rangeCommand(ctx: ExecContext, argv: readonly ByteString[], shape: RangeCommandShape): Reply {
  const options = parseRangeOptions(argv, shape);
  const bounds = parseBounds(argv, shape, options);
  const zset = readZSet(ctx, argv[shape.keyIndex] as ByteString);
  let selected: ZSetEntry[] = [];
  if (zset !== undefined) {
    selected =
      bounds.interval === undefined
        ? selectByRank(zset, bounds.start, bounds.stop, options)
        : selectByInterval(zset, bounds.interval, options);
  }
  if (shape.store !== true) return entriesReply(selected, options.withScores);
  const stored = new ZSetValue();
  for (const { member, score } of selected) stored.setCopied(member, storedScore(score));
  return storeZSet(ctx, argv[1] as ByteString, stored);
}
