import { defineCommand } from '../../command.js';
import { popCommand } from './list-access.js';

/** RPOP key [count]: pops from the tail; with a count, up to count elements. Replicated as is. */
export const rpop = defineCommand({
  name: 'rpop',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => popCommand(ctx, argv, 'right'),
});
