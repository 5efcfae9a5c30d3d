import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanDict } from '../src/dict.js';

function scanAll(dict: ScanDict<number>): Map<string, number> {
  const seen = new Map<string, number>();
  let cursor = 0;
  do {
    cursor = dict.scan(cursor, 3, (key, value) => seen.set(key, value));
  } while (cursor !== 0);
  return seen;
}

describe('ScanDict: small dicts without an index, large ones with it', () => {
  it('matches a Map model under random sets and deletes across the indexing size', () => {
    const operation = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }), fc.integer());
    fc.assert(
      fc.property(fc.array(operation, { minLength: 20, maxLength: 300, size: 'max' }), (operations) => {
        const dict = new ScanDict<number>();
        const model = new Map<string, number>();
        for (const [isSet, id, value] of operations) {
          const key = `k${id}`;
          if (isSet) {
            expect(dict.set(key, value)).toBe(!model.has(key));
            model.set(key, value);
          } else {
            expect(dict.delete(key)).toBe(model.delete(key));
          }
          expect(dict.size).toBe(model.size);
        }
        for (let id = 0; id <= 40; id++) {
          expect(dict.get(`k${id}`)).toBe(model.get(`k${id}`));
          expect(dict.has(`k${id}`)).toBe(model.has(`k${id}`));
        }
        expect(new Map(dict.entries())).toEqual(model);
        expect(scanAll(dict)).toEqual(model);
      }),
    );
  });

  it('matches a Map model as its index grows, wraps round and shifts entries back on delete', () => {
    const operation = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 700 }), fc.integer());
    fc.assert(
      fc.property(fc.array(operation, { minLength: 500, maxLength: 3000 }), (operations) => {
        const dict = new ScanDict<number>();
        const model = new Map<string, number>();
        for (const [kind, id, value] of operations) {
          // Keys of every length up to 40 chars, with long shared prefixes.
          const key = `${'p'.repeat(id % 37)}${id}`;
          if (kind === 0) {
            expect(dict.delete(key)).toBe(model.delete(key));
          } else {
            expect(dict.set(key, value)).toBe(!model.has(key));
            model.set(key, value);
          }
        }
        expect(dict.size).toBe(model.size);
        for (let id = 0; id <= 700; id++) {
          const key = `${'p'.repeat(id % 37)}${id}`;
          expect(dict.get(key)).toBe(model.get(key));
        }
        expect(new Map(dict.entries())).toEqual(model);
      }),
      { numRuns: 40 },
    );
  });

  it('finds keys again after emptying and refilling (the index is kept, empty)', () => {
    const dict = new ScanDict<number>();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++) dict.set(`k${i}`, i + round);
      for (let i = 0; i < 500; i++) expect(dict.get(`k${i}`)).toBe(i + round);
      for (let i = 0; i < 500; i++) expect(dict.delete(`k${i}`)).toBe(true);
      expect(dict.size).toBe(0);
      expect(dict.get('k1')).toBeUndefined();
    }
  });

  it('keeps every slot when it builds its index, so a SCAN in progress misses nothing', () => {
    const dict = new ScanDict<number>();
    for (let i = 0; i < 10; i++) dict.set(`k${i}`, i);
    const seen = new Map<string, number>();
    const cursor = dict.scan(0, 5, (key, value) => seen.set(key, value));
    for (let i = 10; i < 40; i++) dict.set(`k${i}`, i);
    for (let next = cursor; next !== 0;) next = dict.scan(next, 5, (key, value) => seen.set(key, value));
    for (let i = 0; i < 10; i++) expect(seen.get(`k${i}`)).toBe(i);
  });
});
