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

/** CRC-32 (IEEE) in JS: the fallback for Node versions without zlib.crc32 (before 20.15). */
export function crc32Js(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native = (zlib as { crc32?: NativeCrc32 }).crc32;

/** CRC-32 (IEEE), as zlib computes it: native when Node has it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  // Below ~64 bytes (acks, heartbeats) the table loop beats the native call.
  if (native === undefined || end - start < 64) return crc32Js(bytes, start, end);
  return native(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)) >>> 0;
}
