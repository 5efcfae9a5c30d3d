import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_INDEX_OUT_OF_RANGE, ERR_NO_SUCH_KEY } from '../../errors.js';
import { CommandError, OK } from '../../reply.js';
import { requireInteger } from '../../parse.js';
import { writableList } from './list-access.js';

/** LSET key index element: replaces one element; errors for a missing key or an index out of range. */
export const lset = defineCommand({
  name: 'lset',
  arity: 4,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const list = writableList(ctx, argv[1] as ByteString);
    if (list === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
    let index = requireInteger(argv[2] as ByteString);
    if (index < 0) index += list.length;
    if (index < 0 || index >= list.length) throw new CommandError(ERR_INDEX_OUT_OF_RANGE);
    list.set(index, argv[3] as ByteString);
    ctx.propagateAsIs();
    return OK;
  },
});
