import * as zlib from 'node:zlib';

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * TABLE's entries by their top byte (unique for this polynomial), to run the CRC register back
 * one byte: see `crc32`.
 */
const BY_TOP_BYTE = (() => {
  const index = new Uint8Array(256);
  for (let n = 0; n < 256; n++) index[(TABLE[n] as number) >>> 24] = n;
  return index;
})();

/** CRC-32 (IEEE) in JS: the fallback for Node versions without zlib.crc32 (before 20.15). */
export function crc32Js(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native = (zlib as { crc32?: NativeCrc32 }).crc32;

/** Trailing bytes `crc32` runs the register back over rather than making a view without them. */
const UNRUN_BYTES_MAX = 16;

/** CRC-32 (IEEE), as zlib computes it: native when Node has it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  // Below ~64 bytes (acks, heartbeats) the table loop beats the native call.
  if (native === undefined || end - start < 64) return crc32Js(bytes, start, end);
  const tail = bytes.length - end;
  if (start !== 0 || tail > UNRUN_BYTES_MAX) return native(bytes.subarray(start, end)) >>> 0;
  if (tail === 0) return native(bytes) >>> 0;
  // A frame's body is all of it but the 4 checksum bytes: the CRC of the whole, with the register
  // run back over those bytes, is the body's (no view object per frame). One step forward is
  // r' = TABLE[(r ^ b) & 0xff] ^ (r >>> 8); r >>> 8 has a zero top byte, so r' >>> 24 names the
  // table entry, and that entry gives the rest of r.
  let register = ~native(bytes);
  for (let i = bytes.length - 1; i >= end; i--) {
    const index = BY_TOP_BYTE[register >>> 24] as number;
    register = ((register ^ (TABLE[index] as number)) << 8) | ((index ^ (bytes[i] as number)) & 0xff);
  }
  return ~register >>> 0;
}
