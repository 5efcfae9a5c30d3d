import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';

/** PERSIST key: 1 when a TTL was removed, 0 when the key is missing or had none. */
export const persist = defineCommand({
  name: 'persist',
  arity: 2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    if (ctx.lookup(key) === undefined || !ctx.removeExpire(key)) return 0;
    ctx.propagateAsIs();
    return 1;
  },
});
