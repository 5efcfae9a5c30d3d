import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZREVRANGEBYLEX key max min [LIMIT offset count]. */
export const zrevrangebylex = defineCommand({
  name: 'zrevrangebylex',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, kind: 'lex', reverse: true }),
});
