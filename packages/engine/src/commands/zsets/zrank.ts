import { defineCommand } from '../../command.js';
import { rankCommand } from './rank.js';

/** ZRANK key member [WITHSCORE]: the 0-based rank by ascending score. */
export const zrank = defineCommand({
  name: 'zrank',
  arity: -3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rankCommand(ctx, argv, false),
});
