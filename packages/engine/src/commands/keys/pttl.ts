import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ttlGeneric } from './key-expiry.js';

/** PTTL key: milliseconds left; -2 when the key is missing, -1 when it has no TTL. */
export const pttl = defineCommand({
  name: 'pttl',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => ttlGeneric(ctx, argv[1] as ByteString, true),
});
