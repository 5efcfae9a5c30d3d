import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { deleteIfEmpty, writableZSet } from './zset-access.js';

/** ZREM key member [member …]: members removed; replicated as is when any was. */
export const zrem = defineCommand({
  name: 'zrem',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const zset = writableZSet(ctx, key);
    if (zset === undefined) return 0;
    let removed = 0;
    for (let i = 2; i < argv.length; i++) if (zset.remove(argv[i] as ByteString)) removed++;
    deleteIfEmpty(ctx, key, zset);
    if (removed > 0) ctx.propagateAsIs();
    return removed;
  },
});
