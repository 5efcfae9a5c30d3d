import { defineCommand } from '../../command.js';
import { combineCommand } from './combine.js';
import { numkeysPositions } from './zset-access.js';

/** ZUNION numkeys key [key …] [WEIGHTS w …] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]. */
export const zunion = defineCommand({
  name: 'zunion',
  arity: -3,
  flags: ['readonly'],
  keys: (argv) => numkeysPositions(argv, 1),
  handler: (ctx, argv) => combineCommand(ctx, argv, 'union', 'reply'),
});
