import type { ByteString } from '../../bytes.js';
import { CommandError } from '../../reply.js';
import type { ZSetEntry, ZSetValue } from '../../types/zset.js';
import { parseRangeNumber } from './zset-access.js';

export const ERR_SCORE_RANGE = 'ERR min or max is not a float';
export const ERR_LEX_RANGE = 'ERR min or max not valid string range item';

/**
 * A score or lex interval. Members are ordered by score, so a score interval is a run of ranks;
 * a lex interval is one only when all scores are equal (as Redis documents), and otherwise
 * selects what Redis's own scan would.
 */
export interface Interval {
  readonly kind: 'score' | 'lex';
  /** True when no member can be inside (min above max, or equal with an exclusive end). */
  readonly isEmpty: boolean;
  atLeastMin(entry: ZSetEntry): boolean;
  atMostMax(entry: ZSetEntry): boolean;
}

export interface ScoreInterval extends Interval {
  readonly kind: 'score';
  readonly min: number;
  readonly max: number;
  readonly minExclusive: boolean;
  readonly maxExclusive: boolean;
}

function parseScoreBound(text: ByteString): [number, boolean] {
  const exclusive = text.startsWith('(');
  const value = parseRangeNumber(exclusive ? text.slice(1) : text);
  if (value === null) throw new CommandError(ERR_SCORE_RANGE);
  return [value, exclusive];
}

/** `min max` of ZRANGEBYSCORE and friends: numbers, `(` for exclusive, ±inf. */
export function parseScoreInterval(minText: ByteString, maxText: ByteString): ScoreInterval {
  const [min, minExclusive] = parseScoreBound(minText);
  const [max, maxExclusive] = parseScoreBound(maxText);
  return {
    kind: 'score',
    min,
    max,
    minExclusive,
    maxExclusive,
    isEmpty: min > max || (min === max && (minExclusive || maxExclusive)),
    atLeastMin: ({ score }) => (minExclusive ? score > min : score >= min),
    atMostMax: ({ score }) => (maxExclusive ? score < max : score <= max),
  };
}

/** A lex bound: `-` (below everything), `+` (above everything), or a member, inclusive or not. */
interface LexBound {
  readonly infinity: -1 | 0 | 1;
  readonly value: ByteString;
  readonly exclusive: boolean;
}

function parseLexBound(text: ByteString): LexBound {
  if (text === '-') return { infinity: -1, value: '', exclusive: true };
  if (text === '+') return { infinity: 1, value: '', exclusive: true };
  if (text.startsWith('(')) return { infinity: 0, value: text.slice(1), exclusive: true };
  if (text.startsWith('[')) return { infinity: 0, value: text.slice(1), exclusive: false };
  throw new CommandError(ERR_LEX_RANGE);
}

/** Redis's sdscmplex: `-` and `+` compare below and above every string, and equal to themselves. */
function compareLex(a: LexBound, b: LexBound): number {
  if (a.infinity !== 0 || b.infinity !== 0) return Math.sign(a.infinity - b.infinity);
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

function compareMember(member: ByteString, bound: LexBound): number {
  if (bound.infinity !== 0) return -bound.infinity;
  return member < bound.value ? -1 : member > bound.value ? 1 : 0;
}

/** `min max` of ZRANGEBYLEX and friends: `[a` inclusive, `(a` exclusive, `-` and `+`. */
export function parseLexInterval(minText: ByteString, maxText: ByteString): Interval {
  const min = parseLexBound(minText);
  const max = parseLexBound(maxText);
  const order = compareLex(min, max);
  return {
    kind: 'lex',
    isEmpty: order > 0 || (order === 0 && (min.exclusive || max.exclusive)),
    atLeastMin: ({ member }) => (min.exclusive ? compareMember(member, min) > 0 : compareMember(member, min) >= 0),
    atMostMax: ({ member }) => (max.exclusive ? compareMember(member, max) < 0 : compareMember(member, max) <= 0),
  };
}

/**
 * Up to this size Redis keeps a sorted set as a listpack and scans it linearly; doing the same
 * gives Redis's exact answers for lex intervals over mixed scores. Above it, binary search.
 */
const LINEAR_SIZE_MAX = 128;

/** The first rank in [from, to) where `holds` is false, for a predicate that holds on a prefix. */
function endOfPrefix(zset: ZSetValue, from: number, to: number, holds: (entry: ZSetEntry) => boolean): number {
  if (zset.size <= LINEAR_SIZE_MAX) {
    let rank = from;
    for (const entry of zset.entries(from)) {
      if (rank >= to || !holds(entry)) break;
      rank++;
    }
    return rank;
  }
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (holds(zset.at(middle) as ZSetEntry)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Redis's zslIsInRange / zslIsInLexRange: whether the interval may select anything at all. */
function mayOverlap(zset: ZSetValue, interval: Interval): boolean {
  const first = zset.at(0);
  const last = zset.last();
  if (interval.isEmpty || first === undefined || last === undefined) return false;
  return interval.atLeastMin(last) && interval.atMostMax(first);
}

/** The rank of the first member inside `interval`, or undefined (Redis's zslFirstIn*Range). */
export function firstRankIn(zset: ZSetValue, interval: Interval): number | undefined {
  if (!mayOverlap(zset, interval)) return undefined;
  const rank =
    interval.kind === 'score'
      ? zset.countScoresBelow((interval as ScoreInterval).min, (interval as ScoreInterval).minExclusive)
      : endOfPrefix(zset, 0, zset.size, (entry) => !interval.atLeastMin(entry));
  const entry = zset.at(rank);
  return entry !== undefined && interval.atMostMax(entry) ? rank : undefined;
}

/** The rank of the last member inside `interval`, or undefined (Redis's zslLastIn*Range). */
export function lastRankIn(zset: ZSetValue, interval: Interval): number | undefined {
  if (!mayOverlap(zset, interval)) return undefined;
  const rank = lastRankAtMostMax(zset, interval);
  const entry = zset.at(rank);
  return entry !== undefined && interval.atLeastMin(entry) ? rank : undefined;
}

function lastRankAtMostMax(zset: ZSetValue, interval: Interval): number {
  if (interval.kind === 'score') {
    const { max, maxExclusive } = interval as ScoreInterval;
    return zset.countScoresBelow(max, !maxExclusive) - 1;
  }
  if (zset.size <= LINEAR_SIZE_MAX) {
    let rank = zset.size - 1;
    for (const entry of zset.entries(rank, true)) {
      if (interval.atMostMax(entry)) break;
      rank--;
    }
    return rank;
  }
  return endOfPrefix(zset, 0, zset.size, (entry) => interval.atMostMax(entry)) - 1;
}

/**
 * The ranks [start, end) of the members inside `interval`, walking up from the first one while
 * they stay at most max (ZCOUNT, ZLEXCOUNT, ZREMRANGEBYSCORE/BYLEX).
 */
export function rankSpanIn(zset: ZSetValue, interval: Interval): [number, number] {
  const first = firstRankIn(zset, interval);
  if (first === undefined) return [0, 0];
  if (interval.kind === 'score') {
    const { max, maxExclusive } = interval as ScoreInterval;
    return [first, zset.countScoresBelow(max, !maxExclusive)];
  }
  return [first, endOfPrefix(zset, first, zset.size, (entry) => interval.atMostMax(entry))];
}

/** Redis's start/stop rank normalization (negative from the end, clamped); undefined when empty. */
export function normalizeRankRange(start: number, stop: number, size: number): [number, number] | undefined {
  let from = start < 0 ? size + start : start;
  let to = stop < 0 ? size + stop : stop;
  if (from < 0) from = 0;
  if (from > to || from >= size) return undefined;
  if (to >= size) to = size - 1;
  return [from, to];
}
