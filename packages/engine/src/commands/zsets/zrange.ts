import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]; LIMIT also works on ranks (Upstash). */
export const zrange = defineCommand({
  name: 'zrange',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, limitWithRank: true }),
});
