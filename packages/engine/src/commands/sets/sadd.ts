import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { SetValue } from '../../types/set.js';
import { writableSet } from './set-access.js';

/** SADD key member [member …]: the number of members added; replicated as is when any was new. */
export const sadd = defineCommand({
  name: 'sadd',
  arity: -3,
  flags: ['write', 'denyoom'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    let set = writableSet(ctx, key);
    if (set === undefined) {
      set = new SetValue();
      ctx.addKey(key, set);
    }
    let added = 0;
    for (let i = 2; i < argv.length; i++) if (set.add(argv[i] as ByteString)) added++;
    if (added > 0) ctx.propagateAsIs();
    return added;
  },
});
