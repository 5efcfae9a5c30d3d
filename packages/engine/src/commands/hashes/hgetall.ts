import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { readHash, visibleFlatEntries } from './hash-access.js';

/** HGETALL key: [field, value, …] flat, as RESP2 answers it. */
export const hgetall = defineCommand({
  name: 'hgetall',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const hash = readHash(ctx, argv[1] as ByteString);
    if (hash === undefined) return [];
    return visibleFlatEntries(ctx, hash);
  },
});
