import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]: stores the range, its size; replicated as is. */
export const zrangestore = defineCommand({
  name: 'zrangestore',
  arity: -5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 2, store: true }),
});
