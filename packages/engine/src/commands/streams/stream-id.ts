import type { ByteString } from '../../bytes.js';
import { CommandError } from '../../reply.js';
import { makeStreamId, STREAM_ID_MAX, type StreamId, UINT64_MAX } from '../../types/stream.js';

export const ERR_INVALID_STREAM_ID = 'ERR Invalid stream ID specified as stream command argument';

const STRICT_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const STRTOULL = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/**
 * Redis's string2ull: canonical int64 text (negatives refused), else C's strtoull (leading
 * spaces, a sign, leading zeros; a '-' negates modulo 2^64; overflow refused).
 */
export function parseUnsigned64(text: string): bigint | null {
  if (STRICT_INTEGER.test(text) && text.length <= 20) {
    const value = BigInt(text);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value < 0n ? null : value;
  }
  const match = STRTOULL.exec(text);
  if (match === null) return null;
  const magnitude = BigInt(match[2] as string);
  if (magnitude > UINT64_MAX) return null;
  return match[1] === '-' ? (2n ** 64n - magnitude) & UINT64_MAX : magnitude;
}

export interface ParsedId {
  id: StreamId;
  /** False for the XADD `ms-*` form and for a bare `ms` (sequence left to the caller). */
  seqGiven: boolean;
}

export interface IdParseOptions {
  /** The sequence a bare `ms` gets. */
  missingSeq?: bigint;
  /** Strict IDs refuse the `-` and `+` shorthands. */
  strict?: boolean;
  /** Accepts `ms-*` (XADD). */
  seqStar?: boolean;
}

/** Redis's streamParseID; throws the invalid-ID error. */
export function parseStreamIdFull(text: ByteString, options: IdParseOptions = {}): ParsedId {
  if (text.length > 127) throw new CommandError(ERR_INVALID_STREAM_ID);
  if (options.strict !== true) {
    if (text === '-') return { id: 0n, seqGiven: true };
    if (text === '+') return { id: STREAM_ID_MAX, seqGiven: true };
  }
  const dash = text.indexOf('-');
  const ms = parseUnsigned64(dash < 0 ? text : text.slice(0, dash));
  if (ms === null) throw new CommandError(ERR_INVALID_STREAM_ID);
  if (dash < 0) return { id: makeStreamId(ms, options.missingSeq ?? 0n), seqGiven: true };
  const seqText = text.slice(dash + 1);
  if (options.seqStar === true && seqText === '*') return { id: makeStreamId(ms, 0n), seqGiven: false };
  const seq = parseUnsigned64(seqText);
  if (seq === null) throw new CommandError(ERR_INVALID_STREAM_ID);
  return { id: makeStreamId(ms, seq), seqGiven: true };
}

export function parseStreamId(text: ByteString, missingSeq = 0n): StreamId {
  return parseStreamIdFull(text, { missingSeq }).id;
}

export function parseStrictStreamId(text: ByteString, missingSeq = 0n): StreamId {
  return parseStreamIdFull(text, { missingSeq, strict: true }).id;
}

/** True when `text` is a valid strict ID (XCLAIM tells IDs from options this way). */
export function isStrictStreamId(text: ByteString): boolean {
  try {
    parseStrictStreamId(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A range bound: an ID, `-`/`+`, or `(id` for an exclusive bound (Redis 6.2+). Exclusive bounds
 * move one ID inward; past the ends Redis answers "invalid start/end ID for the interval".
 */
export function parseRangeBound(text: ByteString, side: 'start' | 'end'): StreamId {
  const missingSeq = side === 'start' ? 0n : UINT64_MAX;
  if (text.length > 1 && text.startsWith('(')) {
    const id = parseStrictStreamId(text.slice(1), missingSeq);
    if (side === 'start') {
      if (id === STREAM_ID_MAX) throw new CommandError('ERR invalid start ID for the interval');
      return id + 1n;
    }
    if (id === 0n) throw new CommandError('ERR invalid end ID for the interval');
    return id - 1n;
  }
  return parseStreamId(text, missingSeq);
}
