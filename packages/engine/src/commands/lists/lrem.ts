import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { requireInteger } from '../../parse.js';
import { writableList } from './list-access.js';

/**
 * LREM key count element: removes up to `count` occurrences from the head (count > 0), from the
 * tail (count < 0) or all of them (0); the number removed.
 */
export const lrem = defineCommand({
  name: 'lrem',
  arity: 4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    const count = requireInteger(argv[2] as ByteString);
    const element = argv[3] as ByteString;
    const list = writableList(ctx, key);
    if (list === undefined) return 0;
    const items = list.toArray();
    const limit = count === 0 ? Infinity : Math.abs(count);
    const keep = new Array<boolean>(items.length).fill(true);
    let removed = 0;
    for (let step = 0; step < items.length && removed < limit; step++) {
      const i = count < 0 ? items.length - 1 - step : step;
      if (items[i] === element) {
        keep[i] = false;
        removed++;
      }
    }
    if (removed === 0) return 0;
    const remaining = items.filter((_item, i) => keep[i]);
    if (remaining.length === 0) ctx.deleteKey(key);
    else list.replaceAll(remaining);
    ctx.propagateAsIs();
    return removed;
  },
});
