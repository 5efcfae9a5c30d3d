import { defineCommand } from '../../command.js';
import { bitfieldCommand } from './bitfield-ops.js';

/** BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] … */
export const bitfield = defineCommand({
  name: 'bitfield',
  arity: -2,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => bitfieldCommand(ctx, argv, false),
});
