import type { ByteString } from '../../bytes.js';

/** The low 32 bits and the high 32 bits of the 64-bit product of two 64-bit numbers (mod 2^64). */
let productLow = 0;
let productHigh = 0;

function multiply64(aHigh: number, aLow: number, bHigh: number, bLow: number): void {
  const a0 = aLow & 0xffff;
  const a1 = aLow >>> 16;
  const b0 = bLow & 0xffff;
  const b1 = bLow >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  productLow = (((middle & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  productHigh = (carry + Math.imul(aHigh, bLow) + Math.imul(aLow, bHigh)) >>> 0;
}

const M_HIGH = 0xc6a4a793;
const M_LOW = 0x5bd1e995;
const SEED_HIGH = 0;
const SEED_LOW = 0xadc83b19;

/** The 64-bit hash as two 32-bit halves. */
export interface Hash64 {
  high: number;
  low: number;
}

/**
 * MurmurHash64A with Redis's HyperLogLog seed (0xadc83b19), over the bytes of `text`, read as
 * little-endian 64-bit words as Redis does on x86. 32-bit arithmetic, no BigInt: PFADD hashes every
 * element.
 */
export function murmurHash64A(text: ByteString, out: Hash64): Hash64 {
  const length = text.length;
  // h = seed ^ (len * m)
  multiply64(0, length >>> 0, M_HIGH, M_LOW);
  let hHigh = (SEED_HIGH ^ productHigh) >>> 0;
  let hLow = (SEED_LOW ^ productLow) >>> 0;
  const blocks = length - (length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let kLow =
      (text.charCodeAt(i) |
        (text.charCodeAt(i + 1) << 8) |
        (text.charCodeAt(i + 2) << 16) |
        (text.charCodeAt(i + 3) << 24)) >>>
      0;
    let kHigh =
      (text.charCodeAt(i + 4) |
        (text.charCodeAt(i + 5) << 8) |
        (text.charCodeAt(i + 6) << 16) |
        (text.charCodeAt(i + 7) << 24)) >>>
      0;
    multiply64(kHigh, kLow, M_HIGH, M_LOW);
    kHigh = productHigh;
    kLow = productLow;
    // k ^= k >> 47
    kLow = (kLow ^ (kHigh >>> 15)) >>> 0;
    multiply64(kHigh, kLow, M_HIGH, M_LOW);
    hHigh = (hHigh ^ productHigh) >>> 0;
    hLow = (hLow ^ productLow) >>> 0;
    multiply64(hHigh, hLow, M_HIGH, M_LOW);
    hHigh = productHigh;
    hLow = productLow;
  }
  const tail = length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) {
      const byte = text.charCodeAt(blocks + j);
      if (j >= 4) hHigh = (hHigh ^ (byte << ((j - 4) * 8))) >>> 0;
      else hLow = (hLow ^ (byte << (j * 8))) >>> 0;
    }
    multiply64(hHigh, hLow, M_HIGH, M_LOW);
    hHigh = productHigh;
    hLow = productLow;
  }
  hLow = (hLow ^ (hHigh >>> 15)) >>> 0;
  multiply64(hHigh, hLow, M_HIGH, M_LOW);
  hHigh = productHigh;
  hLow = productLow;
  hLow = (hLow ^ (hHigh >>> 15)) >>> 0;
  out.high = hHigh;
  out.low = hLow;
  return out;
}
