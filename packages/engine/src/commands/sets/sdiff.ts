import { defineCommand } from '../../command.js';
import { difference, lookupSets } from './set-access.js';

/** SDIFF key [key …]: the members of the first set that are in none of the others. */
export const sdiff = defineCommand({
  name: 'sdiff',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => difference(lookupSets(ctx, argv, 1, argv.length)),
});
