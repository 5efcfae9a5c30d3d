import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { parseBitOffset } from './bits.js';
import { readString } from './string-access.js';

/** GETBIT key offset: the bit at offset, 0 past the end or for a missing key. */
export const getbit = defineCommand({
  name: 'getbit',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const offset = parseBitOffset(argv[2] as ByteString);
    const value = readString(ctx, argv[1] as ByteString);
    const byteIndex = Math.floor(offset / 8);
    if (value === undefined || byteIndex >= value.length) return 0;
    return (value.charCodeAt(byteIndex) >> (7 - (offset % 8))) & 1;
  },
});
