import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { INT64 } from '../../parse.js';
import { CommandError } from '../../reply.js';
import { incrementBy } from './counter.js';
import { requireBigInt } from './string-access.js';

/** DECRBY key decrement: subtracts a 64-bit decrement from the integer at key; the new value. */
export const decrby = defineCommand({
  name: 'decrby',
  arity: 3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const decrement = requireBigInt(argv[2] as ByteString);
    // Negating INT64_MIN would overflow before the addition is even checked.
    if (decrement === INT64.min) throw new CommandError('ERR decrement would overflow');
    return incrementBy(ctx, argv[1] as ByteString, -decrement);
  },
});
