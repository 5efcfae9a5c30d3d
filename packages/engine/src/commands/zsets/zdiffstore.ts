import { defineCommand } from '../../command.js';
import { combineCommand } from './combine.js';
import { numkeysPositions } from './zset-access.js';

/** ZDIFFSTORE destination numkeys key [key …]: the stored size. */
export const zdiffstore = defineCommand({
  name: 'zdiffstore',
  arity: -4,
  flags: ['write', 'denyoom'],
  keys: (argv) => [1, ...numkeysPositions(argv, 2)],
  handler: (ctx, argv) => combineCommand(ctx, argv, 'diff', 'store'),
});
