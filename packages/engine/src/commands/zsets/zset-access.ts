import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_NOT_FLOAT, ERR_WRONGTYPE } from '../../errors.js';
import { formatDouble, parseInteger } from '../../parse.js';
import { CommandError, type Reply } from '../../reply.js';
import { type ZSetEntry, ZSetValue } from '../../types/zset.js';

/** The sorted set at `key` for a read (counts keyspace hits and misses); WRONGTYPE for other types. */
export function readZSet(ctx: ExecContext, key: ByteString): ZSetValue | undefined {
  const value = ctx.lookupRead(key);
  if (value === undefined) return undefined;
  if (!(value instanceof ZSetValue)) throw new CommandError(ERR_WRONGTYPE);
  return value;
}

/** The sorted set at `key` for a write; WRONGTYPE for other types. */
export function writableZSet(ctx: ExecContext, key: ByteString): ZSetValue | undefined {
  return ctx.lookupTyped<ZSetValue>(key, 'zset');
}

/** A score as Redis 7.0 replies with it (`%.17g`); the same text parses back to the identical double. */
export const formatScore = formatDouble;

const DECIMAL_PREFIX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const SPECIAL_PREFIX = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;
const HEX_PREFIX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/;

interface StrtodResult {
  value: number;
  /** Characters consumed; 0 when no number was found. */
  length: number;
  /** strtod would set ERANGE: overflow, or a non-zero number that underflows to 0. */
  outOfRange: boolean;
}

function parseHex(match: RegExpExecArray): number {
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  const mantissa = whole + fraction === '' ? 0 : parseInt(whole + fraction, 16);
  const value = mantissa * 2 ** (Number(match[4] ?? '0') - 4 * fraction.length);
  return match[1] === '-' ? -value : value;
}

/** C's strtod on the longest valid prefix of `text` (leading white space skipped), as Redis calls it. */
function strtod(text: string): StrtodResult {
  const spaces = /^[ \t\n\v\f\r]*/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(spaces);
  const special = SPECIAL_PREFIX.exec(rest);
  if (special !== null) {
    const word = special[0].replace(/^[+-]/, '').toLowerCase();
    const value = word.startsWith('nan') ? NaN : special[0].startsWith('-') ? -Infinity : Infinity;
    return { value, length: spaces + special[0].length, outOfRange: false };
  }
  const hex = HEX_PREFIX.exec(rest);
  if (hex !== null && ((hex[2] ?? '') !== '' || (hex[3] ?? '') !== '')) {
    const value = parseHex(hex);
    return { value, length: spaces + hex[0].length, outOfRange: !Number.isFinite(value) };
  }
  const decimal = DECIMAL_PREFIX.exec(rest);
  if (decimal === null) return { value: 0, length: 0, outOfRange: false };
  const value = Number(decimal[0]);
  const underflow = value === 0 && /[1-9]/.test(decimal[0].split(/[eE]/)[0] ?? '');
  return { value, length: spaces + decimal[0].length, outOfRange: !Number.isFinite(value) || underflow };
}

/**
 * A double argument as Redis's getDoubleFromObject reads it: the whole text, no leading space, no
 * NaN, no overflow; `inf`, `-inf`, `+inf` accepted.
 */
export function parseScore(text: ByteString, message: string = ERR_NOT_FLOAT): number {
  const parsed = strtod(text);
  const first = text.charCodeAt(0);
  const leadingSpace = first === 32 || (first >= 9 && first <= 13);
  if (
    text.length === 0 ||
    leadingSpace ||
    parsed.length !== text.length ||
    parsed.outOfRange ||
    Number.isNaN(parsed.value)
  ) {
    throw new CommandError(message);
  }
  return parsed.value;
}

/** A range bound's number as zslParseRange reads it: plain strtod to the end; null when invalid or NaN. */
export function parseRangeNumber(text: ByteString): number | null {
  const parsed = strtod(text);
  if (parsed.length !== text.length || Number.isNaN(parsed.value)) return null;
  return parsed.value;
}

/** Redis's getLongFromObjectOrReply: an integer argument, with a custom text when given. */
export function requireLong(text: ByteString, message?: string): number {
  const value = parseInteger(text);
  if (value === null) throw new CommandError(message ?? 'ERR value is not an integer or out of range');
  return value;
}

/**
 * The score as stored: Redis keeps small sorted sets in a listpack, which turns -0 into 0, so ZADD
 * and the STORE commands store 0 (replies computed on the fly, like ZUNION's, keep -0).
 */
export function storedScore(score: number): number {
  return score === 0 ? 0 : score;
}

/** Entries as a RESP2 reply: members, or flat member/score pairs. */
export function entriesReply(entries: Iterable<ZSetEntry>, withScores: boolean): Reply[] {
  const reply: Reply[] = [];
  for (const { member, score } of entries) {
    reply.push(member);
    if (withScores) reply.push(formatScore(score));
  }
  return reply;
}

/**
 * Stores a computed sorted set at `destination` (replacing any value and TTL); an empty result
 * deletes it. The STORE commands are deterministic given the keyspace, so they replicate as is.
 */
export function storeZSet(ctx: ExecContext, destination: ByteString, zset: ZSetValue): number {
  if (zset.size === 0) {
    if (ctx.lookup(destination) !== undefined && ctx.deleteKey(destination)) ctx.propagateAsIs();
    return 0;
  }
  ctx.setKey(destination, zset);
  ctx.propagateAsIs();
  return zset.size;
}

/** Deletes `key` when its sorted set was emptied by the command. */
export function deleteIfEmpty(ctx: ExecContext, key: ByteString, zset: ZSetValue): void {
  if (zset.size === 0) ctx.deleteKey(key);
}

/** The text the blocking forms answer with: there is no connection to block over REST. */
export function refuseBlocking(): never {
  throw new CommandError('ERR blocking commands are not supported over REST');
}

/** Key positions of the numkeys forms: `numkeys` at `numkeysIndex`, keys right after it. */
export function numkeysPositions(argv: readonly ByteString[], numkeysIndex: number): number[] {
  const numkeys = parseInteger(argv[numkeysIndex] ?? '');
  if (numkeys === null || numkeys < 1) return [];
  const positions: number[] = [];
  for (let i = numkeysIndex + 1; i <= numkeysIndex + numkeys && i < argv.length; i++) positions.push(i);
  return positions;
}
