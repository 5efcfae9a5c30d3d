import { defineCommand } from '../../command.js';
import { removeRangeCommand } from './remove-range.js';

/** ZREMRANGEBYRANK key start stop: removes the members in the range; how many. */
export const zremrangebyrank = defineCommand({
  name: 'zremrangebyrank',
  arity: 4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => removeRangeCommand(ctx, argv, 'rank'),
});
