import { defineCommand } from '../../command.js';
import { zpopCommand } from './pop.js';

/** ZPOPMIN key [count]: removes and returns the lowest-scored members with their scores. */
export const zpopmin = defineCommand({
  name: 'zpopmin',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => zpopCommand(ctx, argv, 'min'),
});
