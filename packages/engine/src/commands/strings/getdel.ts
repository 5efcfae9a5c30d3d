import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { readString } from './string-access.js';

/** GETDEL key: the value, and the key deleted; replicated as DEL. */
export const getdel = defineCommand({
  name: 'getdel',
  arity: 2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const value = readString(ctx, key);
    if (value === undefined) return null;
    ctx.deleteKey(key);
    ctx.propagate(['DEL', key]);
    return value;
  },
});
