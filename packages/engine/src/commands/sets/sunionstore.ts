import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { union, lookupSets, storeSet } from './set-access.js';

/** SUNIONSTORE destination key [key …]: stores the union; its size. An empty result deletes destination. */
export const sunionstore = defineCommand({
  name: 'sunionstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => storeSet(ctx, argv[1] as ByteString, union(lookupSets(ctx, argv, 2, argv.length, true))),
});
