import { defineCommand } from '../../command.js';
import { pushCommand } from './list-access.js';

/** RPUSHX key element [element …]: like RPUSH, but only onto an existing list (else 0). */
export const rpushx = defineCommand({
  name: 'rpushx',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => pushCommand(ctx, argv, 'right', true),
});
