import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError } from '../../reply.js';
import { writableList } from './list-access.js';

/** LINSERT key BEFORE|AFTER pivot element: the new length, 0 for a missing key, -1 without the pivot. */
export const linsert = defineCommand({
  name: 'linsert',
  arity: 5,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const where = (argv[2] as ByteString).toLowerCase();
    if (where !== 'before' && where !== 'after') throw new CommandError(ERR_SYNTAX);
    const list = writableList(ctx, argv[1] as ByteString);
    if (list === undefined) return 0;
    const pivot = argv[3] as ByteString;
    for (let i = 0; i < list.length; i++) {
      if (list.at(i) !== pivot) continue;
      list.insertAt(where === 'before' ? i : i + 1, argv[4] as ByteString);
      ctx.propagateAsIs();
      return list.length;
    }
    return -1;
  },
});
