import { defineCommand } from '../../command.js';
import { pushCommand } from './list-access.js';

/** RPUSH key element [element …]: pushes at the tail, creating the list; the new length. */
export const rpush = defineCommand({
  name: 'rpush',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => pushCommand(ctx, argv, 'right', false),
});
