import { defineCommand } from '../../command.js';
import { rankCommand } from './rank.js';

/** ZREVRANK key member [WITHSCORE]: the 0-based rank by descending score. */
export const zrevrank = defineCommand({
  name: 'zrevrank',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rankCommand(ctx, argv, true),
});
