import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import type { ZSetValue } from '../../types/zset.js';
import { normalizeRankRange, parseLexInterval, parseScoreInterval, rankSpanIn } from './ranges.js';
import { deleteIfEmpty, requireLong, writableZSet } from './zset-access.js';

type RangeOf = (zset: ZSetValue) => [number, number];

/** Parses the range before looking at the key, as Redis does; returns a function giving ranks [start, end). */
function parseRange(argv: readonly ByteString[], kind: 'rank' | 'score' | 'lex'): RangeOf {
  const minText = argv[2] as ByteString;
  const maxText = argv[3] as ByteString;
  if (kind === 'rank') {
    const start = requireLong(minText);
    const stop = requireLong(maxText);
    return (zset) => {
      const ranks = normalizeRankRange(start, stop, zset.size);
      return ranks === undefined ? [0, 0] : [ranks[0], ranks[1] + 1];
    };
  }
  const interval = kind === 'score' ? parseScoreInterval(minText, maxText) : parseLexInterval(minText, maxText);
  return (zset) => rankSpanIn(zset, interval);
}

/** ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX: members removed; deterministic, so replicated as is. */
export function removeRangeCommand(ctx: ExecContext, argv: readonly ByteString[], kind: 'rank' | 'score' | 'lex') {
  const rangeOf = parseRange(argv, kind);
  const key = argv[1] as ByteString;
  const zset = writableZSet(ctx, key);
  if (zset === undefined) return 0;
  const [start, end] = rangeOf(zset);
  const removed = zset.removeRanks(start, end);
  deleteIfEmpty(ctx, key, zset);
  if (removed > 0) ctx.propagateAsIs();
  return removed;
}
