import { defineCommand } from '../../command.js';
import { popCommand } from './list-access.js';

/** LPOP key [count]: pops from the head; with a count, up to count elements. Replicated as is. */
export const lpop = defineCommand({
  name: 'lpop',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => popCommand(ctx, argv, 'left'),
});
