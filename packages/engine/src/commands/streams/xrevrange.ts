import { defineCommand } from '../../command.js';
import { rangeCommand } from './range.js';

/** XREVRANGE key end start [COUNT count]: XRANGE newest first. */
export const xrevrange = defineCommand({
  name: 'xrevrange',
  arity: -4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => rangeCommand(ctx, argv, true),
});
