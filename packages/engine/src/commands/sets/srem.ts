import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { writableSet } from './set-access.js';

/** SREM key member [member …]: the number of members removed; an emptied set is deleted. */
export const srem = defineCommand({
  name: 'srem',
  arity: -3,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const set = writableSet(ctx, key);
    if (set === undefined) return 0;
    let removed = 0;
    for (let i = 2; i < argv.length && set.size > 0; i++) if (set.remove(argv[i] as ByteString)) removed++;
    if (set.size === 0) ctx.deleteKey(key);
    if (removed > 0) ctx.propagateAsIs();
    return removed;
  },
});
