import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { requireInteger } from '../../parse.js';
import { readList } from './list-access.js';

/** LRANGE key start stop: the elements between two inclusive indexes (negative from the tail). */
export const lrange = defineCommand({
  name: 'lrange',
  arity: 4,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    let start = requireInteger(argv[2] as ByteString);
    let stop = requireInteger(argv[3] as ByteString);
    const list = readList(ctx, argv[1] as ByteString);
    if (list === undefined) return [];
    const length = list.length;
    if (start < 0) start = Math.max(start + length, 0);
    if (stop < 0) stop += length;
    if (start > stop || start >= length) return [];
    return list.slice(start, Math.min(stop, length - 1) + 1);
  },
});
