import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]. */
export const zrevrangebyscore = defineCommand({
  name: 'zrevrangebyscore',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, kind: 'score', reverse: true }),
});
