import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import { requireInteger } from '../../parse.js';
import { readList } from './list-access.js';

/** LINDEX key index: the element at `index` (negative counts from the tail), nil when out of range. */
export const lindex = defineCommand({
  name: 'lindex',
  arity: 3,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => {
    const list = readList(ctx, argv[1] as ByteString);
    if (list === undefined) return null;
    let index = requireInteger(argv[2] as ByteString);
    if (index < 0) index += list.length;
    return list.at(index) ?? null;
  },
});
