/**
 * INCRBYFLOAT computes in C `long double`, which on x86-64 Linux (Redis's reference platform) is the
 * x87 80-bit format: a 64-bit significand and a 15-bit exponent. A JS double answers differently
 * (0.1 + 0.2 is "0.3" in Redis, 0.30000000000000004 in JS), so the arithmetic is emulated exactly
 * with bigints: parse like glibc's strtold (correctly rounded), add with one rounding, print like
 * `%.17Lf`.
 */
import type { ByteString } from '../../bytes.js';

/** A finite x87 extended value: (negative ? -1 : 1) × significand × 2^exponent, significand < 2^64. */
export interface LongDouble {
  readonly negative: boolean;
  readonly significand: bigint;
  readonly exponent: number;
}

const SIGNIFICAND_BITS = 64;
/** Exponent of the smallest subnormal's unit: 2^-16445. */
const EXPONENT_MIN = -16445;
/** Values must stay below 2^16384. */
const MAGNITUDE_BITS_MAX = 16384;
/** Redis refuses float text this long or longer (MAX_LONG_DOUBLE_CHARS). */
const TEXT_LENGTH_MAX = 5 * 1024;
/** Decimal magnitudes beyond these overflow or underflow whatever the digits are. */
const DECIMAL_MAGNITUDE_MAX = 4940;
const DECIMAL_MAGNITUDE_MIN = -4960;

const ZERO: LongDouble = { negative: false, significand: 0n, exponent: 0 };

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds (num / den) × 2^shift, num and den positive, to the nearest extended value (ties to even). */
function roundToExtended(
  num: bigint,
  den: bigint,
  shift: number,
  negative: boolean,
): LongDouble | 'overflow' | 'underflow' {
  let magnitude = bitLength(num) - bitLength(den) + shift;
  const atLeast =
    magnitude - shift >= 0 ? num >= den << BigInt(magnitude - shift) : num << BigInt(shift - magnitude) >= den;
  if (!atLeast) magnitude--;
  let exponent = Math.max(magnitude - (SIGNIFICAND_BITS - 1), EXPONENT_MIN);
  const scale = shift - exponent;
  const scaledNum = scale >= 0 ? num << BigInt(scale) : num;
  const scaledDen = scale >= 0 ? den : den << BigInt(-scale);
  let significand = scaledNum / scaledDen;
  const twiceRemainder = (scaledNum % scaledDen) * 2n;
  if (twiceRemainder > scaledDen || (twiceRemainder === scaledDen && (significand & 1n) === 1n)) significand++;
  if (significand === 1n << BigInt(SIGNIFICAND_BITS)) {
    significand >>= 1n;
    exponent++;
  }
  if (significand === 0n) return 'underflow';
  if (bitLength(significand) + exponent > MAGNITUDE_BITS_MAX) return 'overflow';
  return { negative, significand, exponent };
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_TEXT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY_TEXT = /^[+-]?inf(?:inity)?$/i;

/** A decimal exponent clamped far enough out to decide overflow or underflow without huge powers. */
function clampedExponent(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  return Math.max(-1e6, Math.min(1e6, value));
}

function parseDecimal(match: RegExpExecArray): LongDouble | null {
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  if (whole.length + fraction.length === 0) return null;
  const digits = (whole + fraction).replace(/^0+/, '');
  const negative = sign === '-';
  if (digits === '') return { ...ZERO, negative };
  const exponent = clampedExponent(exponentText) - fraction.length;
  const magnitude = digits.length + exponent;
  if (magnitude > DECIMAL_MAGNITUDE_MAX || magnitude < DECIMAL_MAGNITUDE_MIN) return null;
  const mantissa = BigInt(digits);
  const num = exponent >= 0 ? mantissa * 10n ** BigInt(exponent) : mantissa;
  const den = exponent >= 0 ? 1n : 10n ** BigInt(-exponent);
  const rounded = roundToExtended(num, den, 0, negative);
  return typeof rounded === 'string' ? null : rounded;
}

function parseHex(match: RegExpExecArray): LongDouble | null {
  const [, sign = '', whole = '', fraction = '', exponentText] = match;
  if (whole.length + fraction.length === 0) return null;
  const negative = sign === '-';
  const mantissa = BigInt(`0x${whole}${fraction}`);
  if (mantissa === 0n) return { ...ZERO, negative };
  const shift = clampedExponent(exponentText) - 4 * fraction.length;
  const magnitude = shift + bitLength(mantissa);
  if (magnitude > MAGNITUDE_BITS_MAX + 1 || magnitude < EXPONENT_MIN - 2) return null;
  const rounded = roundToExtended(mantissa, 1n, shift, negative);
  return typeof rounded === 'string' ? null : rounded;
}

/**
 * Parses a value as Redis's string2ld does (strtold in the C locale): decimal or hex floats with an
 * optional sign, `inf`/`infinity`; refuses NaN, leading spaces, trailing bytes, overflow, and
 * underflow to zero, and text with a NUL byte. Returns null when refused, `Infinity`/`-Infinity`
 * for infinite input.
 */
export function parseLongDouble(text: ByteString): LongDouble | number | null {
  if (text.length === 0 || text.length >= TEXT_LENGTH_MAX) return null;
  if (INFINITY_TEXT.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const hex = HEX_TEXT.exec(text);
  if (hex !== null) return parseHex(hex);
  const decimal = DECIMAL_TEXT.exec(text);
  return decimal === null ? null : parseDecimal(decimal);
}

/** The exact integer value of a 64-bit integer as an extended value (always exact). */
export function longDoubleFromBigInt(value: bigint): LongDouble {
  if (value === 0n) return ZERO;
  return { negative: value < 0n, significand: value < 0n ? -value : value, exponent: 0 };
}

/** a + b rounded once to extended precision; null when the sum overflows to infinity. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  const exponent = Math.min(a.exponent, b.exponent);
  const signedA = (a.negative ? -a.significand : a.significand) << BigInt(a.exponent - exponent);
  const signedB = (b.negative ? -b.significand : b.significand) << BigInt(b.exponent - exponent);
  const sum = signedA + signedB;
  if (sum === 0n) return { ...ZERO, negative: a.negative && b.negative };
  const rounded = roundToExtended(sum < 0n ? -sum : sum, 1n, exponent, sum < 0n);
  if (rounded === 'overflow') return null;
  return rounded === 'underflow' ? ZERO : rounded;
}

const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

/**
 * Redis's ld2string in human mode: `%.17Lf` (exact value, rounded half to even), trailing zeros and
 * a trailing point removed, "-0" written as "0".
 */
export function formatLongDouble(value: LongDouble): ByteString {
  const scaled = value.significand * FRACTION_SCALE;
  let units: bigint;
  if (value.exponent >= 0) {
    units = scaled << BigInt(value.exponent);
  } else {
    const divisor = 1n << BigInt(-value.exponent);
    units = scaled / divisor;
    const twiceRemainder = (scaled % divisor) * 2n;
    if (twiceRemainder > divisor || (twiceRemainder === divisor && (units & 1n) === 1n)) units++;
  }
  const whole = (units / FRACTION_SCALE).toString();
  const fraction = (units % FRACTION_SCALE).toString().padStart(FRACTION_DIGITS, '0').replace(/0+$/, '');
  const text = (value.negative ? '-' : '') + whole + (fraction === '' ? '' : `.${fraction}`);
  return text === '-0' ? '0' : text;
}
