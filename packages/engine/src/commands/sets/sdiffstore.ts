import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { difference, lookupSets, storeSet } from './set-access.js';

/** SDIFFSTORE destination key [key …]: stores the difference; its size. An empty result deletes destination. */
export const sdiffstore = defineCommand({
  name: 'sdiffstore',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => storeSet(ctx, argv[1] as ByteString, difference(lookupSets(ctx, argv, 2, argv.length, true))),
});
