import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { Reply } from '../../reply.js';
import { readHash, visibleEntries } from './hash-access.js';

/** HVALS key: the values. */
export const hvals = defineCommand({
  name: 'hvals',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv): Reply => {
    const hash = readHash(ctx, argv[1] as ByteString);
    return hash === undefined ? [] : visibleEntries(ctx, hash).map(([, value]) => value);
  },
});
