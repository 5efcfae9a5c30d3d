import { defineCommand } from '../../command.js';
import { combineCommand } from './combine.js';
import { numkeysPositions } from './zset-access.js';

/** ZINTERSTORE destination numkeys key [key …] [WEIGHTS w …] [AGGREGATE SUM|MIN|MAX]: the stored size. */
export const zinterstore = defineCommand({
  name: 'zinterstore',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: (argv) => [1, ...numkeysPositions(argv, 2)],
  handler: (ctx, argv) => combineCommand(ctx, argv, 'inter', 'store'),
});
