import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_BIT_VALUE } from '../../errors.js';
import { parseBigInt64 } from '../../parse.js';
import { CommandError } from '../../reply.js';
import { parseBitOffset } from './bits.js';
import { checkStringLength, growZero, overwriteBytes, writableString } from './string-access.js';

/** SETBIT key offset 0|1: the bit's previous value; the string grows with zero bytes as needed. */
export const setbit = defineCommand({
  name: 'setbit',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const offset = parseBitOffset(argv[2] as ByteString);
    const on = parseBigInt64(argv[3] as ByteString);
    if (on !== 0n && on !== 1n) throw new CommandError(ERR_BIT_VALUE);
    const current = writableString(ctx, key);
    const byteIndex = Math.floor(offset / 8);
    checkStringLength(ctx, byteIndex + 1);
    const grown = growZero(current ?? '', byteIndex + 1);
    const byte = grown.charCodeAt(byteIndex);
    const mask = 0x80 >> (offset % 8);
    const previous = (byte & mask) === 0 ? 0 : 1;
    const updated = on === 1n ? byte | mask : byte & ~mask;
    if (current === undefined || grown.length !== current.length || updated !== byte) {
      const value = updated === byte ? grown : overwriteBytes(grown, byteIndex, String.fromCharCode(updated));
      if (current === undefined) ctx.addKey(key, value);
      else ctx.setKey(key, value, true);
      ctx.propagateAsIs();
    }
    return previous;
  },
});
