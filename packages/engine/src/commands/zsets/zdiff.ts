import { defineCommand } from '../../command.js';
import { combineCommand } from './combine.js';
import { numkeysPositions } from './zset-access.js';

/** ZDIFF numkeys key [key …] [WITHSCORES]: members of the first set in none of the others. */
export const zdiff = defineCommand({
  name: 'zdiff',
  arity: -3,
  flags: ['readonly'],
  keys: (argv) => numkeysPositions(argv, 1),
  handler: (ctx, argv) => combineCommand(ctx, argv, 'diff', 'reply'),
});
