import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { incrementBy } from './counter.js';
import { requireBigInt } from './string-access.js';

/** INCRBY key increment: adds a 64-bit increment to the integer at key; the new value. */
export const incrby = defineCommand({
  name: 'incrby',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => incrementBy(ctx, argv[1] as ByteString, requireBigInt(argv[2] as ByteString)),
});
