import type { ByteString } from '../../bytes.js';
import { ERR_BIT_OFFSET, ERR_SYNTAX } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';
import { STRING_BYTES_MAX } from './string-access.js';

const BIT_OFFSET_MAX = BigInt(STRING_BYTES_MAX) * 8n;

/**
 * Redis's getBitOffsetFromArgument: a bit offset within the 512 MB string limit. With `fieldBits`
 * (BITFIELD), `#n` means the n-th field of that width; the product wraps like C's int64 multiply.
 */
export function parseBitOffset(text: ByteString, fieldBits = 0): number {
  const hashed = fieldBits > 0 && text.charCodeAt(0) === 35; /* # */
  let offset = parseBigInt64(hashed ? text.slice(1) : text);
  if (offset === null) throw new CommandError(ERR_BIT_OFFSET);
  if (hashed) offset = BigInt.asIntN(64, offset * BigInt(fieldBits));
  if (offset < 0n || offset >= BIT_OFFSET_MAX) throw new CommandError(ERR_BIT_OFFSET);
  return Number(offset);
}

/** BYTE or BIT (any case) as BITCOUNT and BITPOS read their unit; a syntax error otherwise. */
export function parseBitUnit(text: ByteString): 'byte' | 'bit' {
  const unit = text.toLowerCase();
  if (unit === 'bit' || unit === 'byte') return unit;
  throw new CommandError(ERR_SYNTAX);
}

const POPCOUNT = new Uint8Array(256);
for (let byte = 1; byte < 256; byte++) POPCOUNT[byte] = (byte & 1) + (POPCOUNT[byte >> 1] as number);

/** The number of set bits from bit `fromBit` to bit `toBit` inclusive (bit 0 is the MSB of byte 0). */
export function countBits(value: ByteString, fromBit: number, toBit: number): number {
  const firstByte = Math.floor(fromBit / 8);
  const lastByte = Math.floor(toBit / 8);
  let count = 0;
  for (let i = firstByte; i <= lastByte; i++) count += POPCOUNT[value.charCodeAt(i)] as number;
  const headMask = (0xff00 >> (fromBit % 8)) & 0xff; /* bits before fromBit in its byte */
  const tailMask = 0xff >> ((toBit % 8) + 1); /* bits after toBit in its byte */
  count -= POPCOUNT[value.charCodeAt(firstByte) & headMask] as number;
  count -= POPCOUNT[value.charCodeAt(lastByte) & tailMask] as number;
  return count;
}

/** The position of the first bit equal to `bit` from `fromBit` to `toBit` inclusive, or -1. */
export function findBit(value: ByteString, bit: 0 | 1, fromBit: number, toBit: number): number {
  const skip = bit === 1 ? 0x00 : 0xff;
  let position = fromBit;
  while (position <= toBit) {
    if (position % 8 === 0 && position + 7 <= toBit && value.charCodeAt(position / 8) === skip) {
      position += 8;
      continue;
    }
    const byte = value.charCodeAt(Math.floor(position / 8));
    if (((byte >> (7 - (position % 8))) & 1) === bit) return position;
    position++;
  }
  return -1;
}

/** A byte string from bytes, in chunks (String.fromCharCode takes a bounded argument list). */
export function bytesToString(bytes: Uint8Array): ByteString {
  const chunkBytes = 8192;
  let out = '';
  for (let i = 0; i < bytes.length; i += chunkBytes) {
    out += String.fromCharCode(...bytes.subarray(i, i + chunkBytes));
  }
  return out;
}
