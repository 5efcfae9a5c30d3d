import { defineCommand } from '../../command.js';
import { combineCommand } from './combine.js';
import { numkeysPositions } from './zset-access.js';

/** ZINTERCARD numkeys key [key …] [LIMIT limit]: the size of the intersection, counting at most limit. */
export const zintercard = defineCommand({
  name: 'zintercard',
  arity: -3,
  flags: ['readonly'],
  keys: (argv) => numkeysPositions(argv, 1),
  handler: (ctx, argv) => combineCommand(ctx, argv, 'inter', 'cardinality'),
});
