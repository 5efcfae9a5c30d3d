import { defineCommand } from '../../command.js';
import { zaddCommand } from './zadd-generic.js';

/**
 * ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member …]: members added (or changed
 * with CH); with INCR the new score, nil when a condition stopped it.
 */
export const zadd = defineCommand({
  name: 'zadd',
  arity: -4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => zaddCommand(ctx, argv, false),
});
