import { defineCommand } from '../../command.js';
import { rangeCommand } from './range.js';

/** XRANGE key start end [COUNT count]: entries with start <= ID <= end; `(id` bounds are exclusive. */
export const xrange = defineCommand({
  name: 'xrange',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, false),
});
