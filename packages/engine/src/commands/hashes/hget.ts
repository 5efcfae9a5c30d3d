import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { fieldValue, readHash } from './hash-access.js';

/** HGET key field: the value, or nil. */
export const hget = defineCommand({
  name: 'hget',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash === undefined ? null : (fieldValue(ctx, hash, argv[2] as ByteString) ?? null);
  },
});
