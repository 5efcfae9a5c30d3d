import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { intersect, lookupSets, storeSet } from './set-access.js';

/** SINTERSTORE destination key [key …]: stores the intersection; its size. An empty result deletes destination. */
export const sinterstore = defineCommand({
  name: 'sinterstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => storeSet(ctx, argv[1] as ByteString, intersect(lookupSets(ctx, argv, 2, argv.length, true))),
});
