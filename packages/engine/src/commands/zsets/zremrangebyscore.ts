import { defineCommand } from '../../command.js';
import { removeRangeCommand } from './remove-range.js';

/** ZREMRANGEBYSCORE key min max: removes the members in the range; how many. */
export const zremrangebyscore = defineCommand({
  name: 'zremrangebyscore',
  arity: 4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => removeRangeCommand(ctx, argv, 'score'),
});
