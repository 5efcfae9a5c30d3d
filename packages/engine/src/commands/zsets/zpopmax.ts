import { defineCommand } from '../../command.js';
import { zpopCommand } from './pop.js';

/** ZPOPMAX key [count]: removes and returns the highest-scored members with their scores. */
export const zpopmax = defineCommand({
  name: 'zpopmax',
  arity: -2,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => zpopCommand(ctx, argv, 'max'),
});
