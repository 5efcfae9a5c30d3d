import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { checkStringLength, writableString } from './string-access.js';

/** APPEND key value: the new length; the key keeps its TTL. */
export const append = defineCommand({
  name: 'append',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const suffix = argv[2] as ByteString;
    const current = writableString(ctx, key);
    let value = suffix;
    if (current === undefined) {
      ctx.addKey(key, value);
    } else {
      checkStringLength(ctx, current.length + suffix.length);
      value = current + suffix;
      ctx.setKey(key, value, true);
    }
    ctx.propagateAsIs();
    return value.length;
  },
});
