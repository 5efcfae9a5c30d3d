import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { readHash, visibleEntries } from './hash-access.js';

/** HKEYS key: the field names. */
export const hkeys = defineCommand({
  name: 'hkeys',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash === undefined ? [] : visibleEntries(ctx, hash).map(([field]) => field);
  },
});
