import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { storeString } from './set.js';
import { readString } from './string-access.js';

/** GETSET key value: the old value (nil when absent); the TTL is dropped; replicated as SET. */
export const getset = defineCommand({
  name: 'getset',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const previous = readString(ctx, key);
    storeString(ctx, key, argv[2] as ByteString, { atMs: undefined, keepTtl: false });
    return previous ?? null;
  },
});
