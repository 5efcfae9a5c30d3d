import { describe, expect, it } from 'vitest';
import {
  addLongDouble,
  formatLongDouble,
  type LongDouble,
  longDoubleFromBigInt,
  parseLongDouble,
} from '../../src/commands/strings/long-double.js';

function parse(text: string): LongDouble {
  const value = parseLongDouble(text);
  if (value === null || typeof value === 'number') throw new Error(`not finite: ${text}`);
  return value;
}

function sum(...texts: string[]): string {
  let total: LongDouble | null = longDoubleFromBigInt(0n);
  for (const text of texts) total = total && addLongDouble(total, parse(text));
  if (total === null) throw new Error('overflow');
  return formatLongDouble(total);
}

describe('strings: x87 long double emulation', () => {
  it('rounds decimal text to a 64-bit significand', () => {
    // 0.1 is 0xCCCCCCCCCCCCCCCD × 2^-67 in extended precision (rounded up).
    expect(parse('0.1')).toEqual({ negative: false, significand: 0xcccccccccccccccdn, exponent: -67 });
    expect(parse('-2')).toEqual({ negative: true, significand: 1n << 63n, exponent: -62 });
    expect(parse('0x1.8p1')).toEqual(parse('3'));
    expect(parse('18446744073709551617').significand).toBe(1n << 63n);
  });

  it('adds with one rounding, like Redis and unlike JS doubles', () => {
    expect(sum('0.1', '0.2')).toBe('0.3');
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sum('10.50', '0.1', '-5')).toBe('5.6');
    expect(sum('9223372036854775807', '1')).toBe('9223372036854775808');
    expect(sum('1e-18', '-5e-18')).toBe('0');
    expect(sum('1', '-1')).toBe('0');
    expect(sum('-0.000000000000000001')).toBe('0');
    // As redis-server 7.0 answers.
    expect(sum('1e308', '1e308')).toMatch(/^1999999999999999999933717593116912913211\d{269}$/);
  });

  it('refuses what strtold refuses and reports infinities', () => {
    for (const bad of ['', ' 1', '1 ', 'nan', '1e', '.', '0x', '1\u0000', '1e5000', '1e-5000', '--1', '1e+']) {
      expect(parseLongDouble(bad), bad).toBeNull();
    }
    expect(parseLongDouble('INF')).toBe(Infinity);
    expect(parseLongDouble('-Infinity')).toBe(-Infinity);
    expect(parseLongDouble('0e999999999')).toEqual({ negative: false, significand: 0n, exponent: 0 });
    expect(parseLongDouble('4e-4951')).not.toBeNull();
    expect(parseLongDouble('1'.repeat(5120))).toBeNull();
  });

  it('overflows to null past the largest extended value', () => {
    const largest = parse('1.18973149535723176502e4932');
    expect(addLongDouble(largest, largest)).toBeNull();
  });
});
