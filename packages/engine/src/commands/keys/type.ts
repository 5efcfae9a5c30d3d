import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { SimpleString } from '../../reply.js';
import { typeOf } from '../../value.js';

/** TYPE key: the type name as a status reply, `none` when the key does not exist. */
export const type = defineCommand({
  name: 'type',
  arity: 2,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const value = ctx.lookupRead(argv[1] as ByteString);
    return new SimpleString(value === undefined ? 'none' : typeOf(value));
  },
});
