import { describe, expect, it } from 'vitest';
import { crc32, crc32Js } from '../src/crc32.js';

/** Bytes from a fixed linear congruential sequence (the same every run). */
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe('crc32', () => {
  it('of a range agrees with the table loop, whatever follows the range (the register run back over it)', () => {
    for (const length of [1, 63, 64, 65, 100, 1000, 5000]) {
      for (let tail = 0; tail <= 20 && tail < length; tail++) {
        const bytes = bytesOf(length, length * 31 + tail);
        const end = length - tail;
        expect(crc32(bytes, 0, end), `length ${length}, tail ${tail}`).toBe(crc32Js(bytes, 0, end));
        expect(crc32(bytes, 7, end), `from 7, length ${length}, tail ${tail}`).toBe(crc32Js(bytes, 7, end));
      }
    }
  });

  it('of a whole buffer is the standard CRC-32 (IEEE)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const long = new TextEncoder().encode('123456789'.repeat(10));
    expect(crc32(long)).toBe(crc32Js(long));
  });
});
