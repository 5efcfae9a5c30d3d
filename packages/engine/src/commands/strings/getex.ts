import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readString } from './string-access.js';
import { expireAtMs, parseStringOptions } from './string-options.js';

/**
 * GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]: the value, with its TTL changed. Replicated as
 * PEXPIREAT with the absolute time, PERSIST, or DEL when an absolute time has already passed.
 */
export const getex = defineCommand({
  name: 'getex',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const options = parseStringOptions(argv, 'getex');
    const value = readString(ctx, key);
    if (value === undefined) return null;
    const atMs = options.expire && expireAtMs(ctx, options.expire.unit, options.expire.text, 'getex');
    if (atMs !== undefined) {
      if (ctx.isAlreadyExpired(atMs)) {
        ctx.deleteKey(key);
        ctx.propagate(['DEL', key]);
      } else {
        ctx.setExpireAtMs(key, atMs);
        ctx.propagate(['PEXPIREAT', key, String(atMs)]);
      }
    } else if (options.persist && ctx.removeExpire(key)) {
      ctx.propagate(['PERSIST', key]);
    }
    return value;
  },
});
