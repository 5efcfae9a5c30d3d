import { defineCommand } from '../../command.js';
import { zaddCommand } from './zadd-generic.js';

/** ZINCRBY key increment member: the new score; replicated as ZADD of that score. */
export const zincrby = defineCommand({
  name: 'zincrby',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => zaddCommand(ctx, argv, true),
});
