import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { moveCommand } from './list-access.js';

/** RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT. */
export const rpoplpush = defineCommand({
  name: 'rpoplpush',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 2,
  keyStep: 1,
  handler: (ctx, argv) => moveCommand(ctx, argv[1] as ByteString, argv[2] as ByteString, 'right', 'left'),
});
