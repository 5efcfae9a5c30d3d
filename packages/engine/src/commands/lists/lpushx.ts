import { defineCommand } from '../../command.js';
import { pushCommand } from './list-access.js';

/** LPUSHX key element [element …]: like LPUSH, but only onto an existing list (else 0). */
export const lpushx = defineCommand({
  name: 'lpushx',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => pushCommand(ctx, argv, 'left', true),
});
