import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { storeString } from './set.js';

/** SETNX key value: 1 when the key was set, 0 when it already existed. */
export const setnx = defineCommand({
  name: 'setnx',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    if (ctx.exists(key)) return 0;
    storeString(ctx, key, argv[2] as ByteString, { atMs: undefined, keepTtl: false });
    return 1;
  },
});
