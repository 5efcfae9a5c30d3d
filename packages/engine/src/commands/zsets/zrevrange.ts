import { defineCommand } from '../../command.js';
import { rangeCommand } from './range-query.js';

/** ZREVRANGE key start stop [WITHSCORES]: by rank, highest score first. */
export const zrevrange = defineCommand({
  name: 'zrevrange',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, { keyIndex: 1, kind: 'rank', reverse: true }),
});
