import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { CommandError } from '../../reply.js';
import { checkStringLength, overwriteBytes, requireBigInt, writableString } from './string-access.js';

/** SETRANGE key offset value: overwrites from offset, zero-padding as needed; the new length. */
export const setrange = defineCommand({
  name: 'setrange',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const offset = requireBigInt(argv[2] as ByteString);
    const bytes = argv[3] as ByteString;
    if (offset < 0n) throw new CommandError('ERR offset is out of range');
    const current = writableString(ctx, key);
    if (bytes.length === 0) return current?.length ?? 0;
    checkStringLength(ctx, Number(offset) + bytes.length);
    const value = overwriteBytes(current ?? '', Number(offset), bytes);
    if (current === undefined) ctx.addKey(key, value);
    else ctx.setKey(key, value, true);
    ctx.propagateAsIs();
    return value.length;
  },
});
