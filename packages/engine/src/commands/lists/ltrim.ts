import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { OK } from '../../reply.js';
import { requireInteger } from '../../parse.js';
import { writableList } from './list-access.js';

/** LTRIM key start stop: keeps only the inclusive range (negative indexes from the tail). */
export const ltrim = defineCommand({
  name: 'ltrim',
  arity: 4,
  flags: ['write'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const key = argv[1] as ByteString;
    let start = requireInteger(argv[2] as ByteString);
    let stop = requireInteger(argv[3] as ByteString);
    const list = writableList(ctx, key);
    if (list === undefined) return OK;
    const length = list.length;
    if (start < 0) start = Math.max(start + length, 0);
    if (stop < 0) stop += length;
    if (start > stop || start >= length) {
      ctx.deleteKey(key);
    } else {
      const back = length - 1 - Math.min(stop, length - 1);
      if (start === 0 && back === 0) return OK;
      list.trim(start, back);
    }
    ctx.propagateAsIs();
    return OK;
  },
});
