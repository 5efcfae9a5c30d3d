import { defineCommand } from '../../command.js';
import { union, lookupSets } from './set-access.js';

/** SUNION key [key …]: the members in any of the sets. */
export const sunion = defineCommand({
  name: 'sunion',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => union(lookupSets(ctx, argv, 1, argv.length)),
});
