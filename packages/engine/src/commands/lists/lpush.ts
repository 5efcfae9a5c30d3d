import { defineCommand } from '../../command.js';
import { pushCommand } from './list-access.js';

/** LPUSH key element [element …]: pushes at the head, creating the list; the new length. */
export const lpush = defineCommand({
  name: 'lpush',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => pushCommand(ctx, argv, 'left', false),
});
