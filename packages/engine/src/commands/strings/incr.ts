import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { incrementBy } from './counter.js';

/** INCR key: adds 1 to the integer at key (0 when absent); the new value. */
export const incr = defineCommand({
  name: 'incr',
  arity: 2,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => incrementBy(ctx, argv[1] as ByteString, 1n),
});
