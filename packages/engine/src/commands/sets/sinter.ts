import { defineCommand } from '../../command.js';
import { intersect, lookupSets } from './set-access.js';

/** SINTER key [key …]: the members in every set (none when a key is missing). */
export const sinter = defineCommand({
  name: 'sinter',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: (ctx, argv) => intersect(lookupSets(ctx, argv, 1, argv.length)),
});
