import { defineCommand } from '../../command.js';
import { bitfieldCommand } from './bitfield-ops.js';

/** BITFIELD_RO key [GET type offset …]: the read-only form, which replicas may serve. */
export const bitfieldRo = defineCommand({
  name: 'bitfield_ro',
  arity: -2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => bitfieldCommand(ctx, argv, true),
});
