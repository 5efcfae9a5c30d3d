import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZRANGEBYLEX key min max [LIMIT offset count]. */
export const zrangebylex = defineCommand({
  name: 'zrangebylex',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, kind: 'lex', reverse: false }),
});
