import { CommandError } from './reply.js';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER } from './errors.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
export const INT64 = { min: INT64_MIN, max: INT64_MAX } as const;

/** Redis's string2ll grammar: optional '-', no '+', no leading zeros, no spaces, within int64. */
function isIntegerText(s: string): boolean {
  const length = s.length;
  if (length === 0 || length > 20) return false;
  if (s === '0') return true;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    i = 1;
    if (length === 1) return false;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  for (i++; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a Redis integer exactly; null when it is not valid int64 text. */
export function parseBigInt64(s: string): bigint | null {
  if (!isIntegerText(s)) return null;
  const value = BigInt(s);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/**
 * Parses a Redis integer into a JS number; null when it is not valid int64 text. Values past
 * ±2^53 lose precision, which is fine for counts, indexes and times that are clamped anyway.
 */
export function parseInteger(s: string): number | null {
  if (s.length < 16) return isIntegerText(s) ? Number(s) : null;
  const big = parseBigInt64(s);
  return big === null ? null : Number(big);
}

/** Like parseInteger, throwing Redis's "not an integer" error (or `message`). */
export function requireInteger(s: string, message: string = ERR_NOT_INTEGER): number {
  const value = parseInteger(s);
  if (value === null) throw new CommandError(message);
  return value;
}

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const INFINITY_TEXT = /^([+-]?)inf(?:inity)?$/i;

/** strtod as Redis uses it: decimal and exponent forms, inf/infinity; NaN and spaces refused. */
export function parseFloatStrict(s: string): number | null {
  if (FLOAT_TEXT.test(s)) {
    const value = Number(s);
    return Number.isNaN(value) ? null : value;
  }
  const infinity = INFINITY_TEXT.exec(s);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  return null;
}

export function requireFloat(s: string, message: string = ERR_NOT_FLOAT): number {
  const value = parseFloatStrict(s);
  if (value === null) throw new CommandError(message);
  return value;
}

/** A double as Redis 7.0 replies with it in RESP2 (`%.17g`; `inf`, `-inf`). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exponential = d.toExponential(16);
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 17) {
    const mantissa = stripZeros(exponential.slice(0, e));
    const sign = exponent < 0 ? '-' : '+';
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return stripZeros(d.toFixed(16 - exponent));
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}

/**
 * A double as INCRBYFLOAT and HINCRBYFLOAT store it: plain decimal, never an exponent, trailing
 * zeros removed (Redis uses `%.17Lf` on a long double; the shortest round-trip digits match it for
 * the values a JS double can hold).
 */
export function formatHumanDouble(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 1e21) return Object.is(d, -0) ? '0' : d.toFixed(0);
  const shortest = String(d);
  if (!shortest.includes('e')) return shortest;
  if (Math.abs(d) >= 1) return BigInt(d).toString();
  const fixed = stripZeros(d.toFixed(17));
  return fixed === '-0' ? '0' : fixed;
}
