import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]. */
export const zrangebyscore = defineCommand({
  name: 'zrangebyscore',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, kind: 'score', reverse: false }),
});
