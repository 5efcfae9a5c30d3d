import { describe, expect, it } from 'vitest';
import { formatConsistency, parseConsistency } from '@meridian/core';

describe('Consistency: one parser and one printer for node, router, topology and simulator', () => {
  it('parses every level in any case and prints it back', () => {
    for (const text of ['eventual', 'session', 'strong', 'bounded=0', 'bounded=250']) {
      const parsed = parseConsistency(text);
      expect(parsed).toBeDefined();
      expect(formatConsistency(parsed as NonNullable<typeof parsed>)).toBe(text);
    }
    expect(parseConsistency(' STRONG ')).toEqual({ level: 'strong' });
    expect(parseConsistency('Bounded=15')).toEqual({ level: 'bounded', stalenessMsMax: 15 });
  });

  it('refuses anything else, including a repeated header', () => {
    for (const text of ['', 'linearizable', 'bounded', 'bounded=', 'bounded=-1', 'bounded=1.5', 'bounded=1234567890']) {
      expect(parseConsistency(text), text).toBeUndefined();
    }
    expect(parseConsistency(['strong', 'eventual'])).toBeUndefined();
    expect(parseConsistency(undefined)).toBeUndefined();
  });
});
